namespace EdgeGw.Protocols.Http1;

/// <summary>
/// Header tables for requests in flight (a <see cref="Buffers.BoundedArrayPool{T}"/> of up to 2,048 tables of
/// 20 bytes × 256 entries): a connection takes one per request and gives it back when the request ends.
/// </summary>
public static class HeaderTables
{
    /// <summary>Entries per table: the larger of the upstream response limit and typical request limits.</summary>
    public const int DefaultLength = 256;

    private static readonly Buffers.BoundedArrayPool<HeaderEntry> Pool = new(DefaultLength, capacity: 2048);

    public static HeaderEntry[] Rent(int minimumLength) => Pool.Rent(minimumLength);

    public static void Return(HeaderEntry[] table) => Pool.Return(table);
}
