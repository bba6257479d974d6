namespace EdgeGw.Protocols.Http1;

/// <summary>
/// Strict parser for upstream response heads. A response the gateway cannot frame unambiguously is an
/// error (the client gets 502 and the upstream connection is discarded), never a guess.
/// </summary>
public static class HttpResponseParser
{
    public static HttpParseError Parse<THandler>(ReadOnlySpan<byte> head, HttpMethod requestMethod, ref THandler handler, out ResponseHead result)
        where THandler : IHttpHeadersHandler
    {
        result = default;
        int lineEnd = head.IndexOf((byte)'\r');
        if (lineEnd < 0 || lineEnd + 1 >= head.Length || head[lineEnd + 1] != '\n')
        {
            return HttpParseError.InvalidStatusLine;
        }

        var error = ParseStatusLine(head[..lineEnd], ref result);
        if (error != HttpParseError.None)
        {
            return error;
        }

        var state = new FramingState();
        int offset = lineEnd + 2;
        while (HeaderLineParser.TryReadLine(head, ref offset, out var header, out error))
        {
            result.HeaderCount++;
            if (header.Known == KnownHeader.Connection)
            {
                result.HasConnectionOptions |= state.ObserveConnection(header.Value);
            }
            else
            {
                error = state.Observe(header);
                if (error != HttpParseError.None)
                {
                    return error;
                }
            }

            handler.OnHeader(header);
        }

        if (error != HttpParseError.None)
        {
            return error;
        }

        result.KeepAlive = result.Version == HttpVersion.Http11 ? !state.ConnectionClose : state.ConnectionKeepAlive && !state.ConnectionClose;
        return ResolveBody(state, requestMethod, ref result);
    }

    private static HttpParseError ResolveBody(in FramingState state, HttpMethod requestMethod, ref ResponseHead result)
    {
        // RFC 9112 §6.3, except that TE+CL together and codings other than a lone "chunked" are refused:
        // a gateway that cannot frame the response exactly must not pass it on.
        if (state.HasTransferEncoding)
        {
            if (state.HasContentLength)
            {
                return HttpParseError.BothContentLengthAndTransferEncoding;
            }

            if (state.InvalidCoding || !state.LastIsChunked)
            {
                return HttpParseError.InvalidTransferEncoding;
            }

            if (state.OtherCoding)
            {
                return HttpParseError.UnsupportedTransferCoding;
            }
        }

        if (result.IsInformational || result.StatusCode is 204 or 304 || requestMethod == HttpMethod.Head)
        {
            result.Body = BodyKind.None;
            return HttpParseError.None;
        }

        if (state.HasTransferEncoding)
        {
            result.Body = BodyKind.Chunked;
        }
        else if (state.HasContentLength)
        {
            result.Body = state.ContentLength == 0 ? BodyKind.None : BodyKind.ContentLength;
            result.ContentLength = state.ContentLength;
        }
        else
        {
            result.Body = BodyKind.CloseDelimited;
            result.KeepAlive = false;
        }

        return HttpParseError.None;
    }

    private static HttpParseError ParseStatusLine(ReadOnlySpan<byte> line, ref ResponseHead result)
    {
        if (line.Length < 12 || line[8] != ' ')
        {
            return HttpParseError.InvalidStatusLine;
        }

        var error = HttpRequestParser.ParseVersion(line[..8], out result.Version);
        if (error != HttpParseError.None)
        {
            return HttpParseError.InvalidStatusLine;
        }

        int d0 = line[9] - '0', d1 = line[10] - '0', d2 = line[11] - '0';
        if ((uint)d0 > 9 || (uint)d1 > 9 || (uint)d2 > 9)
        {
            return HttpParseError.InvalidStatusCode;
        }

        result.StatusCode = (d0 * 100) + (d1 * 10) + d2;
        if (result.StatusCode is < 100 or > 599)
        {
            return HttpParseError.InvalidStatusCode;
        }

        if (line.Length == 12)
        {
            result.ReasonOffset = 12;
            return HttpParseError.None;
        }

        if (line[12] != ' ' || line[13..].ContainsAny(Infrastructure.HttpCharacters.InvalidFieldValue))
        {
            return HttpParseError.InvalidStatusLine;
        }

        result.ReasonOffset = 13;
        result.ReasonLength = line.Length - 13;
        return HttpParseError.None;
    }
}
