namespace EdgeGw.Protocols.Http1;

/// <summary>Iterates the elements of a comma-separated field value (RFC 9110 §5.6.1), trimmed, skipping empty ones.</summary>
public ref struct FieldListEnumerator
{
    private ReadOnlySpan<byte> _remaining;
    private bool _done;

    public FieldListEnumerator(ReadOnlySpan<byte> value)
    {
        _remaining = value;
        _done = false;
        Current = default;
    }

    public ReadOnlySpan<byte> Current { get; private set; }

    public readonly FieldListEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        while (!_done)
        {
            ReadOnlySpan<byte> element;
            int comma = _remaining.IndexOf((byte)',');
            if (comma < 0)
            {
                element = _remaining;
                _done = true;
            }
            else
            {
                element = _remaining[..comma];
                _remaining = _remaining[(comma + 1)..];
            }

            element = Infrastructure.HttpCharacters.TrimWhitespace(element);
            if (!element.IsEmpty)
            {
                Current = element;
                return true;
            }
        }

        return false;
    }
}
