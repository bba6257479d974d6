using System.Text;
using EdgeGw.Protocols.Infrastructure;

namespace EdgeGw.Protocols.Http1;

/// <summary>
/// Strict HTTP/1.1 request head parser (RFC 9112). Works on a complete head, found and size-checked by
/// <see cref="HeadScanner"/>, so each rule is checked once on contiguous bytes. Anything that could let two
/// parsers disagree about where a message ends is rejected rather than repaired.
/// </summary>
public static class HttpRequestParser
{
    /// <summary>Parses <paramref name="head"/> (start line through the final empty line).</summary>
    public static HttpParseError Parse<THandler>(ReadOnlySpan<byte> head, ref THandler handler, out RequestHead result)
        where THandler : IHttpHeadersHandler
    {
        result = default;
        int lineEnd = head.IndexOf((byte)'\r');
        if (lineEnd < 0 || lineEnd + 1 >= head.Length || head[lineEnd + 1] != '\n')
        {
            return HttpParseError.InvalidRequestLine;
        }

        var error = ParseRequestLine(head[..lineEnd], ref result);
        if (error != HttpParseError.None)
        {
            return error;
        }

        var state = new FramingState();
        int hostCount = 0;
        int offset = lineEnd + 2;
        while (HeaderLineParser.TryReadLine(head, ref offset, out var header, out error))
        {
            result.HeaderCount++;
            switch (header.Known)
            {
                case KnownHeader.Host:
                    hostCount++;
                    if (hostCount > 1)
                    {
                        return HttpParseError.DuplicateHost;
                    }

                    if (header.Value.ContainsAnyExcept(HttpCharacters.Authority))
                    {
                        return HttpParseError.InvalidHost;
                    }

                    if (result.TargetForm != TargetForm.Absolute)
                    {
                        result.AuthorityOffset = header.ValueOffset;
                        result.AuthorityLength = header.Value.Length;
                    }

                    break;
                case KnownHeader.Connection:
                    result.HasConnectionOptions |= state.ObserveConnection(header.Value);
                    break;
                case KnownHeader.Expect:
                    if (!Ascii.EqualsIgnoreCase(header.Value, "100-continue"u8))
                    {
                        return HttpParseError.UnsupportedExpectation;
                    }

                    result.ExpectContinue = true;
                    break;
                case KnownHeader.Upgrade:
                    state.HasUpgrade = true;
                    break;
                default:
                    error = state.Observe(header);
                    if (error != HttpParseError.None)
                    {
                        return error;
                    }

                    break;
            }

            handler.OnHeader(header);
        }

        if (error != HttpParseError.None)
        {
            return error;
        }

        if (hostCount == 0 && result.Version == HttpVersion.Http11)
        {
            return HttpParseError.MissingHost;
        }

        if (state.HasTransferEncoding && result.Version == HttpVersion.Http10)
        {
            return HttpParseError.TransferEncodingInHttp10;
        }

        error = state.ResolveRequestBody(ref result);
        if (error != HttpParseError.None)
        {
            return error;
        }

        result.KeepAlive = result.Version == HttpVersion.Http11 ? !state.ConnectionClose : state.ConnectionKeepAlive && !state.ConnectionClose;
        result.UpgradeRequested = state.ConnectionUpgrade && state.HasUpgrade;
        if (result.Version == HttpVersion.Http10)
        {
            // 100-continue is an HTTP/1.1 mechanism; a 1.0 client does not wait for it.
            result.ExpectContinue = false;
        }

        return HttpParseError.None;
    }

    private static HttpParseError ParseRequestLine(ReadOnlySpan<byte> line, ref RequestHead result)
    {
        int sp = line.IndexOf((byte)' ');
        if (sp <= 0)
        {
            return line.ContainsAnyExcept(HttpCharacters.Token) ? HttpParseError.InvalidRequestLine : HttpParseError.InvalidMethod;
        }

        var method = line[..sp];
        if (method.ContainsAnyExcept(HttpCharacters.Token))
        {
            return HttpParseError.InvalidMethod;
        }

        result.Method = ClassifyMethod(method);
        result.MethodLength = sp;

        int targetStart = sp + 1;
        int targetLength = line[targetStart..].IndexOf((byte)' ');
        if (targetLength <= 0)
        {
            return HttpParseError.InvalidRequestLine;
        }

        var target = line.Slice(targetStart, targetLength);
        if (target.ContainsAnyExcept(HttpCharacters.RequestTarget))
        {
            return HttpParseError.InvalidRequestTarget;
        }

        var version = line[(targetStart + targetLength + 1)..];
        var error = ParseVersion(version, out result.Version);
        if (error != HttpParseError.None)
        {
            return error;
        }

        result.TargetOffset = targetStart;
        result.TargetLength = targetLength;
        return ClassifyTarget(target, targetStart, ref result);
    }

    internal static HttpParseError ParseVersion(ReadOnlySpan<byte> version, out HttpVersion result)
    {
        result = HttpVersion.Http11;
        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || version[6] != '.'
            || !char.IsAsciiDigit((char)version[5]) || !char.IsAsciiDigit((char)version[7]))
        {
            return HttpParseError.InvalidVersion;
        }

        if (version[5] != '1')
        {
            return HttpParseError.UnsupportedVersion;
        }

        // HTTP/1.x with x > 1 is answered as HTTP/1.1 would be (RFC 9110 §6.2).
        result = version[7] == '0' ? HttpVersion.Http10 : HttpVersion.Http11;
        return HttpParseError.None;
    }

    private static HttpParseError ClassifyTarget(ReadOnlySpan<byte> target, int targetStart, ref RequestHead result)
    {
        if (target[0] == '/')
        {
            if (result.Method == HttpMethod.Connect)
            {
                return HttpParseError.InvalidRequestTarget;
            }

            result.TargetForm = TargetForm.Origin;
            SplitPathAndQuery(target, targetStart, ref result);
            return HttpParseError.None;
        }

        if (target.Length == 1 && target[0] == '*')
        {
            if (result.Method != HttpMethod.Options)
            {
                return HttpParseError.InvalidRequestTarget;
            }

            result.TargetForm = TargetForm.Asterisk;
            result.PathOffset = targetStart;
            result.PathLength = 1;
            return HttpParseError.None;
        }

        if (result.Method == HttpMethod.Connect)
        {
            // authority-form: the gateway does not tunnel CONNECT.
            result.TargetForm = TargetForm.Authority;
            return HttpParseError.MethodNotImplemented;
        }

        int schemeLength = StartsWithIgnoreCase(target, "http://"u8) ? 7 : StartsWithIgnoreCase(target, "https://"u8) ? 8 : 0;
        if (schemeLength == 0)
        {
            return HttpParseError.InvalidRequestTarget;
        }

        var afterScheme = target[schemeLength..];
        int pathStart = afterScheme.IndexOfAny((byte)'/', (byte)'?');
        int authorityLength = pathStart < 0 ? afterScheme.Length : pathStart;
        var authority = afterScheme[..authorityLength];
        if (authority.IsEmpty || authority.ContainsAnyExcept(HttpCharacters.Authority) || authority.Contains((byte)'@'))
        {
            return HttpParseError.InvalidRequestTarget;
        }

        result.TargetForm = TargetForm.Absolute;
        result.AuthorityOffset = targetStart + schemeLength;
        result.AuthorityLength = authorityLength;
        if (pathStart < 0)
        {
            result.PathOffset = targetStart + target.Length;
            result.PathLength = 0;
            result.QueryOffset = result.PathOffset;
            return HttpParseError.None;
        }

        int rest = schemeLength + authorityLength;
        SplitPathAndQuery(target[rest..], targetStart + rest, ref result);
        return HttpParseError.None;
    }

    private static void SplitPathAndQuery(ReadOnlySpan<byte> pathAndQuery, int offset, ref RequestHead result)
    {
        int question = pathAndQuery.IndexOf((byte)'?');
        result.PathOffset = offset;
        if (question < 0)
        {
            result.PathLength = pathAndQuery.Length;
            result.QueryOffset = offset + pathAndQuery.Length;
            result.QueryLength = 0;
        }
        else
        {
            result.PathLength = question;
            result.QueryOffset = offset + question;
            result.QueryLength = pathAndQuery.Length - question;
        }
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> span, ReadOnlySpan<byte> prefix) =>
        span.Length >= prefix.Length && Ascii.EqualsIgnoreCase(span[..prefix.Length], prefix);

    /// <summary>Methods are case-sensitive (RFC 9110 §9.1): "get" is a custom method.</summary>
    public static HttpMethod ClassifyMethod(ReadOnlySpan<byte> method) => method.Length switch
    {
        3 when method.SequenceEqual("GET"u8) => HttpMethod.Get,
        3 when method.SequenceEqual("PUT"u8) => HttpMethod.Put,
        4 when method.SequenceEqual("POST"u8) => HttpMethod.Post,
        4 when method.SequenceEqual("HEAD"u8) => HttpMethod.Head,
        5 when method.SequenceEqual("PATCH"u8) => HttpMethod.Patch,
        5 when method.SequenceEqual("TRACE"u8) => HttpMethod.Trace,
        6 when method.SequenceEqual("DELETE"u8) => HttpMethod.Delete,
        7 when method.SequenceEqual("OPTIONS"u8) => HttpMethod.Options,
        7 when method.SequenceEqual("CONNECT"u8) => HttpMethod.Connect,
        _ => HttpMethod.Custom,
    };
}
