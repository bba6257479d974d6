using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Server.Http1;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Integrations;

/// <summary>
/// A Lambda function's answer to a proxy event, read with <see cref="Utf8JsonReader"/> and mapped to the client's
/// response as API Gateway maps it: <c>statusCode</c>, <c>headers</c> and <c>multiValueHeaders</c> (a name in both:
/// the multi-value list wins, as AWS merges them), <c>cookies</c> (each a <c>Set-Cookie</c>), <c>body</c> and
/// <c>isBase64Encoded</c>. With payload format 2.0 an answer without <c>statusCode</c> (any valid JSON) is a 200
/// <c>application/json</c> response whose body is the answer (a JSON string: its text). Anything else — invalid JSON,
/// a 1.0 answer without a status, a status out of 200..599, a non-string body, bad base64, a header that is not a
/// token name and a field value — is malformed (the caller answers 502). Unescaped names and values go into this
/// object's scratch array (kept per connection, grown to the largest answer seen); nothing else is allocated.
/// </summary>
internal sealed partial class LambdaAnswer
{
    private const int HeaderKind = 0, MultiValueKind = 1, CookieKind = 2;

    private byte[] _scratch = new byte[4096];
    private int _used;
    // Per header/cookie: kind, name start, name length, value start, value length.
    private int[] _fields = new int[80];
    private int _fieldCount;
    private int _bodyStart, _bodyLength;
    private bool _inferred;

    /// <summary>The status to answer with (after a successful <see cref="TryParse"/>).</summary>
    public int StatusCode { get; private set; }

    public ReadOnlySpan<byte> Body => _scratch.AsSpan(_bodyStart, _bodyLength);

    public bool TryParse(ReadOnlySpan<byte> answer, bool version2)
    {
        _used = 0;
        _fieldCount = 0;
        _bodyStart = _bodyLength = 0;
        _inferred = false;
        StatusCode = 200;
        try
        {
            return Parse(answer, version2);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private bool Parse(ReadOnlySpan<byte> answer, bool version2)
    {
        var reader = new Utf8JsonReader(answer, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read())
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.StartObject || !HasStatusCode(answer))
        {
            if (!version2)
            {
                return false;
            }

            // 2.0 without a statusCode: the answer itself is the body, as JSON (a string answer: its text).
            _inferred = true;
            if (reader.TokenType == JsonTokenType.String)
            {
                _bodyStart = 0;
                _bodyLength = CopyString(ref reader);
                _used = _bodyLength;
                return !reader.Read();
            }

            reader.Skip();
            if (reader.Read())
            {
                return false;
            }

            Ensure(answer.Length);
            answer.CopyTo(_scratch);
            _bodyLength = _used = answer.Length;
            return true;
        }

        bool base64 = false;
        bool hasStatus = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("statusCode"u8))
            {
                reader.Read();
                if (!TryReadStatus(ref reader, out int status))
                {
                    return false;
                }

                StatusCode = status;
                hasStatus = true;
            }
            else if (reader.ValueTextEquals("headers"u8))
            {
                reader.Read();
                if (!ReadHeaders(ref reader))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("multiValueHeaders"u8))
            {
                reader.Read();
                if (!ReadMultiValueHeaders(ref reader))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("cookies"u8))
            {
                reader.Read();
                if (!ReadCookies(ref reader))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("body"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    _bodyStart = _used;
                    _bodyLength = CopyString(ref reader);
                    _used += _bodyLength;
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("isBase64Encoded"u8))
            {
                reader.Read();
                if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                {
                    return false;
                }

                base64 = reader.TokenType == JsonTokenType.True;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || !hasStatus)
        {
            return false;
        }

        if (base64 && _bodyLength > 0)
        {
            var status = Base64.DecodeFromUtf8InPlace(_scratch.AsSpan(_bodyStart, _bodyLength), out int written);
            if (status != OperationStatus.Done)
            {
                return false;
            }

            _bodyLength = written;
        }

        return true;
    }

    /// <summary>Whether the top-level object has a <c>statusCode</c> (2.0 infers the format otherwise).</summary>
    private static bool HasStatusCode(ReadOnlySpan<byte> answer)
    {
        var reader = new Utf8JsonReader(answer);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("statusCode"u8))
            {
                return true;
            }

            reader.Read();
            reader.Skip();
        }

        return false;
    }

    private static bool TryReadStatus(ref Utf8JsonReader reader, out int status)
    {
        status = 0;
        bool parsed = reader.TokenType switch
        {
            JsonTokenType.Number => reader.TryGetInt32(out status),
            // A numeric string, which AWS also takes.
            JsonTokenType.String => !reader.ValueIsEscaped && Utf8Parser.TryParse(reader.ValueSpan, out status, out int consumed) && consumed == reader.ValueSpan.Length,
            _ => false,
        };
        return parsed && status is >= 200 and <= 599;
    }

    private bool ReadHeaders(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            int nameStart = _used;
            int nameLength = CopyString(ref reader);
            _used += nameLength;
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                _used = nameStart;
                continue;
            }

            if (!TryCopyScalar(ref reader, out int valueStart, out int valueLength))
            {
                return false;
            }

            AddField(HeaderKind, nameStart, nameLength, valueStart, valueLength);
        }

        return true;
    }

    private bool ReadMultiValueHeaders(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            int nameStart = _used;
            int nameLength = CopyString(ref reader);
            _used += nameLength;
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (!TryCopyScalar(ref reader, out int valueStart, out int valueLength))
                {
                    return false;
                }

                AddField(MultiValueKind, nameStart, nameLength, valueStart, valueLength);
            }
        }

        return true;
    }

    private bool ReadCookies(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            int start = _used;
            int length = CopyString(ref reader);
            _used += length;
            AddField(CookieKind, 0, 0, start, length);
        }

        return true;
    }

    /// <summary>A header value: a string (unescaped), or a number or boolean as written.</summary>
    private bool TryCopyScalar(ref Utf8JsonReader reader, out int start, out int length)
    {
        start = _used;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                length = CopyString(ref reader);
                break;
            case JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False:
                length = reader.ValueSpan.Length;
                Ensure(length);
                reader.ValueSpan.CopyTo(_scratch.AsSpan(_used));
                break;
            default:
                length = 0;
                return false;
        }

        _used += length;
        return true;
    }

    /// <summary>The current string token, unescaped, at the end of the scratch array (not yet counted in <c>_used</c>).</summary>
    private int CopyString(ref Utf8JsonReader reader)
    {
        int maximum = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        Ensure(maximum);
        return reader.CopyString(_scratch.AsSpan(_used));
    }

    private void Ensure(int more)
    {
        if (_scratch.Length - _used < more)
        {
            Array.Resize(ref _scratch, Math.Max(_used + more, _scratch.Length * 2));
        }
    }

    private void AddField(int kind, int nameStart, int nameLength, int valueStart, int valueLength)
    {
        if (_fields.Length < (_fieldCount + 1) * 5)
        {
            Array.Resize(ref _fields, _fields.Length * 2);
        }

        var slot = _fields.AsSpan(_fieldCount * 5, 5);
        slot[0] = kind;
        slot[1] = nameStart;
        slot[2] = nameLength;
        slot[3] = valueStart;
        slot[4] = valueLength;
        _fieldCount++;
    }

    private ReadOnlySpan<byte> Name(int field) => _scratch.AsSpan(_fields[field * 5 + 1], _fields[field * 5 + 2]);

    private ReadOnlySpan<byte> Value(int field) => _scratch.AsSpan(_fields[field * 5 + 3], _fields[field * 5 + 4]);

    private int Kind(int field) => _fields[field * 5];
}
