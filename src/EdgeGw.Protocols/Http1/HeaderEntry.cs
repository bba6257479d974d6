namespace EdgeGw.Protocols.Http1;

/// <summary>Where one header of a parsed head lives: offsets into the head bytes, plus its recognised kind.</summary>
public struct HeaderEntry
{
    public KnownHeader Known;
    public bool IsDate;
    public int NameOffset;
    public int NameLength;
    public int ValueOffset;
    public int ValueLength;

    public readonly ReadOnlySpan<byte> Name(ReadOnlySpan<byte> head) => head.Slice(NameOffset, NameLength);
    public readonly ReadOnlySpan<byte> Value(ReadOnlySpan<byte> head) => head.Slice(ValueOffset, ValueLength);
}
