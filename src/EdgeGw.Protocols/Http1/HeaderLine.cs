namespace EdgeGw.Protocols.Http1;

/// <summary>One validated header field. Offsets are relative to the start of the head passed to the parser.</summary>
public readonly ref struct HeaderLine
{
    public HeaderLine(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int nameOffset, int valueOffset, KnownHeader known)
    {
        Name = name;
        Value = value;
        NameOffset = nameOffset;
        ValueOffset = valueOffset;
        Known = known;
    }

    public ReadOnlySpan<byte> Name { get; }
    public ReadOnlySpan<byte> Value { get; }
    public int NameOffset { get; }
    public int ValueOffset { get; }
    public KnownHeader Known { get; }
}
