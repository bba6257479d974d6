namespace EdgeGw.Protocols.Http1;

/// <summary>
/// Header tables for requests in flight. A connection takes one per request and gives it back when the request
/// ends, so an idle keep-alive connection holds none. <see cref="System.Buffers.ArrayPool{T}.Shared"/> keeps only a
/// few arrays per core, so with hundreds of requests in flight it allocated a table per request; this pool is
/// lock-free, holds up to <see cref="Capacity"/> tables (20 bytes × 256 entries each) and lets the rest go.
/// </summary>
public static class HeaderTables
{
    /// <summary>Entries per table: the larger of the upstream response limit and typical request limits.</summary>
    public const int DefaultLength = 256;

    private const int Capacity = 2048;
    private static readonly System.Collections.Concurrent.ConcurrentQueue<HeaderEntry[]> Pool = new();
    private static int s_pooled;

    public static HeaderEntry[] Rent(int minimumLength)
    {
        while (Pool.TryDequeue(out var table))
        {
            Interlocked.Decrement(ref s_pooled);
            if (table.Length >= minimumLength)
            {
                return table;
            }

            // Sized for a smaller limit before a reload: let it go.
        }

        return new HeaderEntry[Math.Max(minimumLength, DefaultLength)];
    }

    public static void Return(HeaderEntry[] table)
    {
        if (Interlocked.Increment(ref s_pooled) <= Capacity)
        {
            Pool.Enqueue(table);
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
        }
    }
}
