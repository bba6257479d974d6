using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Iam;
using EdgeGw.Core.Lambda;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Http1;

namespace EdgeGw.Server.Integrations;

/// <summary>Writing wire bytes as JSON text (UTF-8, else Latin-1), names, times, the domain prefix, and which bodies are text.</summary>
internal sealed partial class LambdaEventWriter
{
    /// <summary>The Host's first label (<c>domainPrefix</c>), without a port.</summary>
    private static ReadOnlySpan<byte> DomainPrefix(ReadOnlySpan<byte> authority)
    {
        int colon = authority.LastIndexOf((byte)':');
        if (colon >= 0 && authority.IndexOf((byte)']') < colon)
        {
            authority = authority[..colon];
        }

        int dot = authority.IndexOf((byte)'.');
        return dot < 0 ? authority : authority[..dot];
    }

    /// <summary>AWS's <c>dd/MMM/yyyy:HH:mm:ss +0000</c>.</summary>
    private static void WriteTime(Utf8JsonWriter json, ReadOnlySpan<byte> name, DateTimeOffset now)
    {
        Span<byte> text = stackalloc byte[32];
        now.UtcDateTime.TryFormat(text, out int written, "dd/MMM/yyyy:HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture);
        json.WriteString(name, text[..written]);
    }

    private static void WriteName(Utf8JsonWriter json, ReadOnlySpan<byte> name, bool lowerCase)
    {
        if (!lowerCase)
        {
            WriteTextName(json, name);
            return;
        }

        Span<byte> lower = stackalloc byte[256];
        if (name.Length > lower.Length || Ascii.ToLower(name, lower, out int written) != System.Buffers.OperationStatus.Done)
        {
            // A header name is a token (ASCII): only an over-long one lands here.
            json.WritePropertyName(Encoding.Latin1.GetString(name).ToLowerInvariant());
            return;
        }

        WriteTextName(json, lower[..written]);
    }

    /// <summary>A property of bytes from the wire: UTF-8 as is, anything else (obs-text) as Latin-1.</summary>
    private static void WriteText(Utf8JsonWriter json, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        json.WritePropertyName(name);
        WriteTextValue(json, value);
    }

    private static void WriteTextOrNull(Utf8JsonWriter json, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            json.WriteNull(name);
        }
        else
        {
            WriteText(json, name, value);
        }
    }

    private static void WriteTextValue(Utf8JsonWriter json, ReadOnlySpan<byte> value)
    {
        if (Utf8.IsValid(value))
        {
            json.WriteStringValue(value);
        }
        else
        {
            json.WriteStringValue(Encoding.Latin1.GetString(value));
        }
    }

    private static void WriteTextName(Utf8JsonWriter json, ReadOnlySpan<byte> name)
    {
        if (Utf8.IsValid(name))
        {
            json.WritePropertyName(name);
        }
        else
        {
            json.WritePropertyName(Encoding.Latin1.GetString(name));
        }
    }

    /// <summary>
    /// Whether a body of this Content-Type goes to the function as text: <c>text/*</c>, JSON, XML, JavaScript and
    /// GraphQL types (<c>+json</c>/<c>+xml</c> suffixes too). Anything else — images, octet streams, forms,
    /// no Content-Type at all — is base64, as HTTP APIs send non-text payloads.
    /// </summary>
    public static bool IsTextual(ReadOnlySpan<byte> contentType)
    {
        int semicolon = contentType.IndexOf((byte)';');
        var type = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim((byte)' ');
        if (type.IsEmpty)
        {
            return false;
        }

        if (type.Length >= 5 && Ascii.EqualsIgnoreCase(type[..5], "text/"u8))
        {
            return true;
        }

        return Ascii.EqualsIgnoreCase(type, "application/json"u8) || Ascii.EqualsIgnoreCase(type, "application/xml"u8)
            || Ascii.EqualsIgnoreCase(type, "application/javascript"u8) || Ascii.EqualsIgnoreCase(type, "application/graphql"u8)
            || EndsWithIgnoreCase(type, "+json"u8) || EndsWithIgnoreCase(type, "+xml"u8);
    }

    private static bool EndsWithIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> suffix) =>
        value.Length >= suffix.Length && Ascii.EqualsIgnoreCase(value[^suffix.Length..], suffix);
}
