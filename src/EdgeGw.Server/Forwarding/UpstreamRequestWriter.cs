using System.IO.Pipelines;
using EdgeGw.Core.ClientAddresses;
using EdgeGw.Core.Model;
using EdgeGw.Core.ParameterMapping;
using EdgeGw.Core.Routing;
using EdgeGw.Core.Upstream;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Http1;
using EdgeGw.Server.ParameterMapping;

namespace EdgeGw.Server.Forwarding;

/// <summary>
/// Writes the upstream request head: the rewritten target, the destination's Host, end-to-end headers only,
/// X-Forwarded-*, X-Request-Id and the gateway's own framing.
/// </summary>
internal static class UpstreamRequestWriter
{
    /// <param name="https">The client connection is TLS (X-Forwarded-Proto: https).</param>
    public static void Write(PipeWriter upstream, ClientRequest request, ReadOnlySpan<byte> clientAddress, bool https, HttpIntegrationModel http,
        in RouteMatch match, DestinationState destination, ReadOnlySpan<byte> upgradeProtocol = default)
    {
        var head = request.Span;
        ref readonly var parsed = ref request.Head;
        var writer = new BufferWriter<PipeWriter>(upstream);
        // Parameter mapping (null unless the integration maps): values read the request as the client sent it.
        var mapping = http.RequestMapping;
        byte[]? scratch = mapping is null ? null : RequestMapper.Rent();
        var input = mapping is null ? default : new MappingInput
        {
            Head = head,
            Headers = request.Headers,
            Path = parsed.Path(head),
            StagePrefixLength = match.StagePrefixLength,
            Query = parsed.Query(head),
            Captures = ((ReadOnlySpan<PathCapture>)match.Captures)[..match.CaptureCount],
            // Buffered by BodyMappingStep (in the input pipe; the head is consumed only after this write).
            Body = request.BufferedBody,
        };
        writer.Write(parsed.MethodToken(head));
        writer.WriteByte((byte)' ');
        if (mapping?.Path is { } mappedPath)
        {
            RequestMapper.WritePath(ref writer, mappedPath, input, request.Record, scratch!);
        }
        else
        {
            WriteTarget(ref writer, parsed.Path(head), http, match);
        }

        if (mapping is null || mapping.QueryStrings.IsEmpty)
        {
            writer.Write(parsed.Query(head));
        }
        else
        {
            RequestMapper.WriteQuery(ref writer, mapping, input, request.Record, scratch!);
        }

        writer.Write(" HTTP/1.1\r\nHost: "u8);
        writer.Write(destination.HostHeader);
        writer.Write("\r\n"u8);

        var headers = request.Headers;
        bool hasForwardedFor = false;
        ref var trace = ref request.Record.Trace;
        foreach (ref readonly var entry in headers)
        {
            switch (entry.Known)
            {
                case KnownHeader.Host:
                case KnownHeader.ContentLength:
                case KnownHeader.Expect:
                case KnownHeader.XForwardedProto:
                case KnownHeader.XForwardedHost:
                case KnownHeader.XRequestId:
                    continue;
                case KnownHeader.XForwardedFor:
                    // Appended to below, in order, as one field.
                    hasForwardedFor = true;
                    continue;
                case KnownHeader.TraceParent when trace.Active:
                    continue; // the gateway's own below
                case KnownHeader.TraceState when trace.Active && !trace.KeepTraceState:
                    continue; // malformed, oversized, or of no valid traceparent
            }

            if (KnownHeaders.IsHopByHop(entry.Known))
            {
                continue;
            }

            var name = entry.Name(head);
            if (parsed.HasConnectionOptions && ConnectionOptions.Names(head, headers, name))
            {
                continue;
            }

            if (request.IsClientCertificateHeader(name) || request.IsAuthorizerHeader(name))
            {
                continue; // only the gateway says who the client's certificate, its authorizer or IAM names
            }

            if (mapping is not null && mapping.DropsHeader(name))
            {
                continue; // remove:/overwrite:header.<name>
            }

            writer.WriteHeader(name, entry.Value(head));
        }

        if (mapping is not null)
        {
            RequestMapper.WriteHeaders(ref writer, mapping, input, request.Record, scratch!);
            RequestMapper.Return(scratch!);
        }

        writer.Write("X-Forwarded-For: "u8);
        if (hasForwardedFor)
        {
            // All of it, unless the client came from it (server.trustedProxies): then the hops left of the client,
            // and the client below in place of the trusted proxies it passed through.
            int cut = request.ForwardedForCutIndex;
            for (int i = 0; i < headers.Length && i <= cut; i++)
            {
                ref readonly var entry = ref headers[i];
                if (entry.Known == KnownHeader.XForwardedFor && entry.ValueLength > 0)
                {
                    var value = i < cut ? entry.Value(head) : ForwardedFor.TrimKept(entry.Value(head)[..request.ForwardedForKeepLength]);
                    if (!value.IsEmpty)
                    {
                        writer.Write(value);
                        writer.Write(", "u8);
                    }
                }
            }
        }

        writer.Write(clientAddress);
        writer.Write(https ? "\r\nX-Forwarded-Proto: https\r\n"u8 : "\r\nX-Forwarded-Proto: http\r\n"u8);
        var authority = parsed.Authority(head);
        if (!authority.IsEmpty)
        {
            writer.WriteHeader("X-Forwarded-Host"u8, authority);
        }

        writer.WriteHeader("X-Request-Id"u8, request.RequestId);
        if (trace.Active)
        {
            // W3C Trace Context: the integration span is the backend's parent.
            Span<byte> traceparent = stackalloc byte[EdgeGw.Core.Tracing.TraceParent.Length];
            EdgeGw.Core.Tracing.TraceParent.Write(traceparent, trace.TraceIdHigh, trace.TraceIdLow, trace.IntegrationSpanId, trace.Sampled);
            writer.WriteHeader("traceparent"u8, traceparent);
            if (trace.Span is { } span)
            {
                span.Destination = destination.Model;
            }
        }

        if (request.ClientCertificateHeaders is { } clientCertificate)
        {
            writer.Write(clientCertificate);
        }

        if (request.Record.Identity is { } identity)
        {
            writer.Write(identity.ForwardedHeaderLines); // who an authorizer says the caller is
        }

        if (parsed.Body == BodyKind.ContentLength)
        {
            writer.Write("Content-Length: "u8);
            writer.WriteNumber(parsed.ContentLength);
            writer.Write("\r\n"u8);
        }
        else if (parsed.Body == BodyKind.Chunked)
        {
            writer.Write("Transfer-Encoding: chunked\r\n"u8);
        }

        if (!upgradeProtocol.IsEmpty)
        {
            writer.Write("Connection: Upgrade\r\n"u8);
            writer.WriteHeader("Upgrade"u8, upgradeProtocol);
        }

        writer.Write("\r\n"u8);
        writer.Commit();
    }

    /// <summary>The path after the stage, or the integration's template filled with the route's captures.</summary>
    private static void WriteTarget(ref BufferWriter<PipeWriter> writer, ReadOnlySpan<byte> path, HttpIntegrationModel http, in RouteMatch match)
    {
        if (http.PathTemplate.IsDefaultOrEmpty)
        {
            var rest = path[match.StagePrefixLength..];
            writer.Write(rest.IsEmpty ? "/"u8 : rest);
            return;
        }

        foreach (var part in http.PathTemplate)
        {
            if (part.Kind == UriTemplatePartKind.Literal)
            {
                writer.Write(part.Literal);
            }
            else
            {
                var capture = match.Captures[part.CaptureIndex];
                writer.Write(path.Slice(capture.Start, capture.Length));
            }
        }
    }
}
