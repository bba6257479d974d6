using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Iam;
using EdgeGw.Core.Lambda;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Http1;

namespace EdgeGw.Server.Integrations;

/// <summary>The event's headers (2.0 joined and lower-case, 1.0 as sent and multi-value, X-Forwarded-For/-Proto added) and 2.0's cookies.</summary>
internal sealed partial class LambdaEventWriter
{
    /// <summary>One property per header name, in first-seen order: its values joined by commas (1.0: the last value, as AWS).</summary>
    private void WriteHeaders(Utf8JsonWriter json, ClientRequest request, bool https, bool lowerCase, bool skipCookie)
    {
        var head = request.Span;
        var headers = request.Headers;
        for (int i = 0; i < headers.Length; i++)
        {
            var name = headers[i].Name(head);
            if (SeenBefore(headers, i, head) || (skipCookie && Ascii.EqualsIgnoreCase(name, "cookie"u8)) || IsForwarded(name))
            {
                continue;
            }

            WriteName(json, name, lowerCase);
            if (lowerCase)
            {
                int length = 0;
                for (int j = i; j < headers.Length; j++)
                {
                    if (SameName(headers[j].Name(head), name))
                    {
                        if (length > 0)
                        {
                            length = Append(length, ","u8);
                        }

                        length = Append(length, headers[j].Value(head));
                    }
                }

                WriteTextValue(json, _join.AsSpan(0, length));
            }
            else
            {
                var last = headers[i].Value(head);
                for (int j = i + 1; j < headers.Length; j++)
                {
                    if (SameName(headers[j].Name(head), name))
                    {
                        last = headers[j].Value(head);
                    }
                }

                WriteTextValue(json, last);
            }
        }

        // AWS adds the client to X-Forwarded-For and says how it came.
        int forwarded = ForwardedFor(request);
        WriteName(json, "X-Forwarded-For"u8, lowerCase);
        WriteTextValue(json, _join.AsSpan(0, forwarded));
        WriteName(json, "X-Forwarded-Proto"u8, lowerCase);
        json.WriteStringValue(https ? "https"u8 : "http"u8);
    }

    private void WriteMultiValueHeaders(Utf8JsonWriter json, ClientRequest request, bool https)
    {
        var head = request.Span;
        var headers = request.Headers;
        for (int i = 0; i < headers.Length; i++)
        {
            var name = headers[i].Name(head);
            if (SeenBefore(headers, i, head) || IsForwarded(name))
            {
                continue;
            }

            WriteName(json, name, lowerCase: false);
            json.WriteStartArray();
            for (int j = i; j < headers.Length; j++)
            {
                if (SameName(headers[j].Name(head), name))
                {
                    WriteTextValue(json, headers[j].Value(head));
                }
            }

            json.WriteEndArray();
        }

        int forwarded = ForwardedFor(request);
        json.WriteStartArray("X-Forwarded-For"u8);
        WriteTextValue(json, _join.AsSpan(0, forwarded));
        json.WriteEndArray();
        json.WriteStartArray("X-Forwarded-Proto"u8);
        json.WriteStringValue(https ? "https"u8 : "http"u8);
        json.WriteEndArray();
    }

    /// <summary>The client's X-Forwarded-For values, then the client's address, into the join buffer; returns the length.</summary>
    private int ForwardedFor(ClientRequest request)
    {
        var head = request.Span;
        int length = 0;
        foreach (ref readonly var entry in request.Headers)
        {
            if (Ascii.EqualsIgnoreCase(entry.Name(head), "x-forwarded-for"u8))
            {
                length = Append(length, entry.Value(head));
                length = Append(length, ", "u8);
            }
        }

        return Append(length, request.ClientAddress);
    }

    private static bool IsForwarded(ReadOnlySpan<byte> name) =>
        Ascii.EqualsIgnoreCase(name, "x-forwarded-for"u8) || Ascii.EqualsIgnoreCase(name, "x-forwarded-proto"u8);

    private static bool SeenBefore(ReadOnlySpan<HeaderEntry> headers, int index, ReadOnlySpan<byte> head)
    {
        var name = headers[index].Name(head);
        for (int j = 0; j < index; j++)
        {
            if (SameName(headers[j].Name(head), name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool SameName(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.Length == b.Length && Ascii.EqualsIgnoreCase(a, b);

    /// <summary>2.0's <c>cookies</c>: every Cookie header's pairs, split on ';' and trimmed; absent without a Cookie header.</summary>
    private static void WriteCookies(Utf8JsonWriter json, ClientRequest request)
    {
        var head = request.Span;
        bool any = false;
        foreach (ref readonly var entry in request.Headers)
        {
            if (!Ascii.EqualsIgnoreCase(entry.Name(head), "cookie"u8))
            {
                continue;
            }

            var rest = entry.Value(head);
            while (!rest.IsEmpty)
            {
                int semicolon = rest.IndexOf((byte)';');
                var cookie = (semicolon < 0 ? rest : rest[..semicolon]).Trim((byte)' ');
                rest = semicolon < 0 ? default : rest[(semicolon + 1)..];
                if (cookie.IsEmpty)
                {
                    continue;
                }

                if (!any)
                {
                    json.WriteStartArray("cookies"u8);
                    any = true;
                }

                WriteTextValue(json, cookie);
            }
        }

        if (any)
        {
            json.WriteEndArray();
        }
    }
}
