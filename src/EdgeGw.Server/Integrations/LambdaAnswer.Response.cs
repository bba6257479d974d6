using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Server.Http1;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Integrations;

/// <summary>The answer as the client's response: header checks and the response head.</summary>
internal sealed partial class LambdaAnswer
{
    /// <summary>Whether every header name is a token and every value a field value (no CR, LF or other controls).</summary>
    public bool HeadersAreValid()
    {
        for (int i = 0; i < _fieldCount; i++)
        {
            if (Kind(i) != CookieKind && (Name(i).IsEmpty || !IsToken(Name(i))))
            {
                return false;
            }

            foreach (byte b in Value(i))
            {
                if (b is < (byte)' ' and not (byte)'\t' or 0x7F)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>RFC 9110's tchar.</summary>
    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private static bool IsToken(ReadOnlySpan<byte> name) => !name.ContainsAnyExcept(TokenChars);

    /// <summary>Writes the client's response head (status, Date, Content-Length, the function's headers and cookies, the common headers).</summary>
    public void WriteHead(ref BufferWriter<PipeWriter> writer, ClientRequest request, ClientResponder responder, ReadOnlySpan<byte> dateLine)
    {
        writer.Write(StatusLines.For(StatusCode));
        writer.Write(dateLine);
        bool bodiless = StatusCode is 204 or 304;
        if (!bodiless)
        {
            writer.Write("Content-Length: "u8);
            writer.WriteNumber(_bodyLength);
            writer.Write("\r\n"u8);
        }

        if (_inferred)
        {
            writer.Write("Content-Type: application/json\r\n"u8);
        }

        for (int i = 0; i < _fieldCount; i++)
        {
            int kind = Kind(i);
            if (kind == CookieKind)
            {
                writer.WriteHeader("Set-Cookie"u8, Value(i));
                continue;
            }

            var name = Name(i);
            if (IsGatewayOwned(name) || (request.Cors is not null && EdgeGw.Core.Cors.CorsPolicy.IsCorsHeader(name))
                || (kind == HeaderKind && InMultiValue(name)))
            {
                continue;
            }

            writer.WriteHeader(name, Value(i));
        }

        responder.WriteCommonHeaders(ref writer);
        writer.Write("\r\n"u8);
    }

    private bool InMultiValue(ReadOnlySpan<byte> name)
    {
        for (int i = 0; i < _fieldCount; i++)
        {
            if (Kind(i) == MultiValueKind && Ascii.EqualsIgnoreCase(Name(i), name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Framing, hop-by-hop and the headers the gateway writes itself.</summary>
    private static bool IsGatewayOwned(ReadOnlySpan<byte> name) =>
        Ascii.EqualsIgnoreCase(name, "content-length"u8) || Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8)
        || Ascii.EqualsIgnoreCase(name, "connection"u8) || Ascii.EqualsIgnoreCase(name, "keep-alive"u8)
        || Ascii.EqualsIgnoreCase(name, "upgrade"u8) || Ascii.EqualsIgnoreCase(name, "proxy-connection"u8)
        || Ascii.EqualsIgnoreCase(name, "te"u8) || Ascii.EqualsIgnoreCase(name, "trailer"u8)
        || Ascii.EqualsIgnoreCase(name, "date"u8) || Ascii.EqualsIgnoreCase(name, "x-request-id"u8);
}
