namespace EdgeGw.Core.Caching;

/// <summary>
/// Writes a cache key from raw request bytes, without decoding anything:
/// <c>api \0 stage \0 route \0 METHOD ' ' path</c>, then per key query parameter and per key header a
/// <c>\0</c> followed by every value found, separated by <c>\1</c>. NUL and SOH cannot occur in a parsed
/// request line or header value, so two different requests can never write the same key.
/// Query parameters and headers the route does not name are left out, as in AWS.
/// </summary>
public ref struct CacheKeyBuilder
{
    private const byte PartSeparator = 0;
    private const byte ValueSeparator = 1;

    private readonly Span<byte> _buffer;
    private int _length;
    private bool _partHasValue;

    public CacheKeyBuilder(Span<byte> buffer)
    {
        _buffer = buffer;
        _length = 0;
        _partHasValue = false;
        PathOffset = 0;
        PathLength = 0;
    }

    public readonly int Length => _length;
    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];
    public int PathOffset { get; private set; }
    public int PathLength { get; private set; }

    /// <summary>An upper bound on the key length for a request head of <paramref name="headLength"/> bytes.</summary>
    public static int MaxLength(RouteCachePolicy policy, int headLength) =>
        policy.KeyPrefix.Length + headLength + 2 * (policy.KeyQuery.Length + policy.KeyHeaders.Length) + 16;

    public void Start(RouteCachePolicy policy, ReadOnlySpan<byte> methodToken, ReadOnlySpan<byte> path)
    {
        Append(policy.KeyPrefix);
        Append(methodToken);
        Append(" "u8);
        PathOffset = _length;
        PathLength = path.Length;
        Append(path);
    }

    /// <summary>Appends the values of the policy's key query parameters found in <paramref name="query"/> (with or without its '?').</summary>
    public void AddQuery(RouteCachePolicy policy, ReadOnlySpan<byte> query)
    {
        if (!query.IsEmpty && query[0] == (byte)'?')
        {
            query = query[1..];
        }

        foreach (byte[] name in policy.KeyQuery)
        {
            BeginPart();
            var rest = query;
            while (!rest.IsEmpty)
            {
                int amp = rest.IndexOf((byte)'&');
                var pair = amp < 0 ? rest : rest[..amp];
                rest = amp < 0 ? default : rest[(amp + 1)..];
                int eq = pair.IndexOf((byte)'=');
                var pairName = eq < 0 ? pair : pair[..eq];
                if (pairName.SequenceEqual(name))
                {
                    AddValue(eq < 0 ? default : pair[(eq + 1)..]);
                }
            }
        }
    }

    /// <summary>Starts the part of one key parameter; follow with <see cref="AddValue"/> per value present.</summary>
    public void BeginPart()
    {
        Append([PartSeparator]);
        _partHasValue = false;
    }

    public void AddValue(ReadOnlySpan<byte> value)
    {
        if (_partHasValue)
        {
            Append([ValueSeparator]);
        }

        // Present-but-empty must differ from absent: mark every value.
        Append("="u8);
        Append(value);
        _partHasValue = true;
    }

    private void Append(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[_length..]);
        _length += bytes.Length;
    }
}
