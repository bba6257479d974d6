using System.Buffers;
using System.Buffers.Text;
using System.Text;
using EdgeGw.Core.Observability;
using EdgeGw.Core.UsagePlans;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.AccessLogging;

/// <summary>The formatter's output cursor: raw bytes, numbers and values escaped for the template.</summary>
public static partial class AccessLogFormatter
{
    /// <summary>A bounds-checked cursor over the destination; once a write does not fit, <see cref="Overflow"/> stays set.</summary>
    private ref struct Output(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;
        public int Position;
        public bool Overflow;

        public void Raw(scoped ReadOnlySpan<byte> bytes)
        {
            if (bytes.TryCopyTo(_destination[Position..]))
            {
                Position += bytes.Length;
            }
            else
            {
                Overflow = true;
            }
        }

        public void Missing() => Raw("-"u8);

        public void Number(long value)
        {
            if (value < 0)
            {
                Missing();
            }
            else if (Utf8Formatter.TryFormat(value, _destination[Position..], out int n))
            {
                Position += n;
            }
            else
            {
                Overflow = true;
            }
        }

        public void Digits2(int value)
        {
            Span<byte> two = [(byte)('0' + (value / 10)), (byte)('0' + (value % 10))];
            Raw(two);
        }

        public void Value(scoped ReadOnlySpan<byte> value, AccessLogEscape escape)
        {
            if (value.IsEmpty)
            {
                Missing();
            }
            else
            {
                Escaped(value, escape);
            }
        }

        public void Value(string? value, AccessLogEscape escape)
        {
            if (string.IsNullOrEmpty(value))
            {
                Missing();
                return;
            }

            // Config strings (route keys, names) are short: encode them into a stack buffer, then escape.
            Span<byte> utf8 = stackalloc byte[512];
            if (Encoding.UTF8.TryGetBytes(value, utf8, out int length))
            {
                Escaped(utf8[..length], escape);
            }
            else
            {
                Escaped(Encoding.UTF8.GetBytes(value), escape);
            }
        }

        public void Escaped(scoped ReadOnlySpan<byte> value, AccessLogEscape escape)
        {
            while (!value.IsEmpty)
            {
                int plain = value.IndexOfAny(NeedsEscape);
                if (plain < 0)
                {
                    Raw(value);
                    return;
                }

                Raw(value[..plain]);
                value = value[plain..];
                byte b = value[0];
                if (b >= 0x80)
                {
                    // UTF-8: a valid sequence goes out as it is, unless it is a C1 control; anything else is escaped.
                    var status = Rune.DecodeFromUtf8(value, out var rune, out int consumed);
                    if (status == OperationStatus.Done && rune.Value > 0x9F)
                    {
                        Raw(value[..consumed]);
                    }
                    else if (escape == AccessLogEscape.Json)
                    {
                        Unicode(status == OperationStatus.Done ? rune.Value : 0xFFFD);
                    }
                    else
                    {
                        for (int i = 0; i < consumed; i++)
                        {
                            Hex(value[i]);
                        }
                    }

                    value = value[consumed..];
                    if (Overflow)
                    {
                        return;
                    }

                    continue;
                }

                if (b is (byte)'"' or (byte)'\\')
                {
                    Span<byte> pair = [(byte)'\\', b];
                    Raw(pair);
                }
                else if (escape == AccessLogEscape.Json)
                {
                    switch (b)
                    {
                        case (byte)'\n': Raw("\\n"u8); break;
                        case (byte)'\r': Raw("\\r"u8); break;
                        case (byte)'\t': Raw("\\t"u8); break;
                        default: Unicode(b); break;
                    }
                }
                else
                {
                    Hex(b);
                }

                value = value[1..];
                if (Overflow)
                {
                    return;
                }
            }
        }

        private void Unicode(int codePoint)
        {
            Span<byte> escaped = [(byte)'\\', (byte)'u', HexDigit(codePoint >> 12), HexDigit(codePoint >> 8), HexDigit(codePoint >> 4), HexDigit(codePoint)];
            Raw(escaped);
        }

        private void Hex(byte b)
        {
            Span<byte> escaped = [(byte)'\\', (byte)'x', HexDigit(b >> 4), HexDigit(b)];
            Raw(escaped);
        }

        private static byte HexDigit(int value) => (byte)"0123456789abcdef"[value & 0xF];
    }
}
