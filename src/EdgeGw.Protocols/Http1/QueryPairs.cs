namespace EdgeGw.Protocols.Http1;

/// <summary>
/// The <c>name=value</c> pairs of a raw query string (with or without its leading <c>?</c>), in order, without
/// decoding or allocating: <c>foreach (var pair in new QueryPairs(query))</c>. Empty pairs (<c>a=1&amp;&amp;b=2</c>)
/// are skipped; a pair without <c>=</c> has an empty <see cref="QueryPair.Value"/> and no <see cref="QueryPair.HasValue"/>.
/// </summary>
public readonly ref struct QueryPairs(ReadOnlySpan<byte> query)
{
    private readonly ReadOnlySpan<byte> _query = !query.IsEmpty && query[0] == (byte)'?' ? query[1..] : query;

    public Enumerator GetEnumerator() => new(_query);

    public ref struct Enumerator(ReadOnlySpan<byte> rest)
    {
        private ReadOnlySpan<byte> _rest = rest;

        public QueryPair Current { get; private set; }

        public bool MoveNext()
        {
            while (!_rest.IsEmpty)
            {
                int amp = _rest.IndexOf((byte)'&');
                var pair = amp < 0 ? _rest : _rest[..amp];
                _rest = amp < 0 ? default : _rest[(amp + 1)..];
                if (!pair.IsEmpty)
                {
                    Current = new QueryPair(pair);
                    return true;
                }
            }

            return false;
        }
    }
}

/// <summary>One raw pair of a query string: <see cref="Raw"/> is <c>name=value</c> as sent.</summary>
public readonly ref struct QueryPair
{
    private readonly int _equals;

    public QueryPair(ReadOnlySpan<byte> raw)
    {
        Raw = raw;
        _equals = raw.IndexOf((byte)'=');
    }

    public ReadOnlySpan<byte> Raw { get; }
    public ReadOnlySpan<byte> Name => _equals < 0 ? Raw : Raw[.._equals];
    public ReadOnlySpan<byte> Value => _equals < 0 ? default : Raw[(_equals + 1)..];
    public bool HasValue => _equals >= 0;
}
