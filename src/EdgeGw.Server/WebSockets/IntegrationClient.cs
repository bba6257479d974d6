using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using EdgeGw.Core.Model;
using EdgeGw.Core.Upstream;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Infrastructure;
using EdgeGw.Server.Logging;
using EdgeGw.Transport;

namespace EdgeGw.Server.WebSockets;

/// <summary>
/// POSTs WebSocket events ($connect, messages, $disconnect) to a route's HTTP integration over the cluster's
/// pooled keep-alive connections, with the cluster's health and circuit breaker in the loop, and reads the
/// answer up to a size limit. One call at a time per WebSocket connection.
/// </summary>
internal static class IntegrationClient
{

    /// <param name="query">The raw query including its '?', appended to the integration's path (for $connect).</param>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public static async ValueTask<IntegrationResponse> PostAsync(ClusterState cluster, HttpIntegrationModel http, IntegrationHeaders headers, ReadOnlyMemory<byte> query, ReadOnlyMemory<byte> body, int maxResponseBytes, UpstreamErrorLog errors, bool captureContentType = false)
    {
        var call = await Forwarding.ClusterCall.BeginAsync(cluster, errors).ConfigureAwait(false);
        if (call.Connection is not { } connection)
        {
            return new IntegrationResponse { Status = call.Status };
        }

        var destination = call.Destination!;
        bool probe = call.Probe;
        var response = new IntegrationResponse();
        bool reusable = false;
        try
        {
            WriteRequest(connection.Output, http, destination.Model.Authority, headers, query.Span, body.Span);
            var flush = await connection.Output.FlushAsync().ConfigureAwait(false);
            if (!flush.IsCompleted)
            {
                connection.Deadline.Arm(http.ResponseTimeout);
                var read = await ReadResponseAsync(connection.Input, connection.Deadline, maxResponseBytes, captureContentType).ConfigureAwait(false);
                reusable = read.Ok && read.KeepAlive;
                if (read.Ok)
                {
                    response = new IntegrationResponse { Status = read.Status, Body = read.Body, BodyLength = read.Length, ContentType = read.ContentType };
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            response.Dispose();
            response = default;
        }

        destination.Return(connection, reusable);
        bool failed = response.Status is 0 or 502 or 503 or 504;
        cluster.Report(destination, success: !failed, probe);
        if (response.Status == 0)
        {
            bool timedOut = connection.Deadline.Expired;
            response.Status = timedOut ? 504 : 502;
            errors.Failed(cluster.Model, destination.Model, timedOut ? UpstreamFailure.ResponseTimedOut : UpstreamFailure.ClosedBeforeResponse, response.Status);
        }

        return response;
    }

    private static void WriteRequest(PipeWriter output, HttpIntegrationModel http, string authority, in IntegrationHeaders headers, ReadOnlySpan<byte> query, ReadOnlySpan<byte> body)
    {
        var writer = new BufferWriter<PipeWriter>(output);
        writer.Write("POST "u8);
        bool wrotePath = false;
        foreach (var part in http.PathTemplate)
        {
            // WebSocket integrations have no path captures: every part is a literal.
            writer.Write(part.Literal);
            wrotePath |= part.Literal.Length > 0;
        }

        if (!wrotePath)
        {
            writer.WriteByte((byte)'/');
        }

        writer.Write(query);
        writer.Write(" HTTP/1.1\r\nHost: "u8);
        foreach (char c in authority)
        {
            writer.WriteByte((byte)c);
        }

        writer.Write("\r\nContent-Length: "u8);
        writer.WriteNumber(body.Length);
        writer.Write("\r\n"u8);
        writer.Write(headers.Connection.Span);
        writer.Write(headers.Route.Span);
        writer.Write(headers.Event.Span);
        writer.Write("\r\n"u8);
        writer.Write(body);
        writer.Commit();
    }

    private struct ContentTypeCollector : IHttpHeadersHandler
    {
        public bool Capture;
        public byte[]? ContentType;

        public void OnHeader(in HeaderLine header)
        {
            if (Capture && System.Text.Ascii.EqualsIgnoreCase(header.Name, "content-type"u8))
            {
                ContentType = header.Value.ToArray();
            }
        }
    }

    /// <summary>Reads one final response; returns whether it was read whole, whether the connection may be reused, and the parts.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private static async ValueTask<(bool Ok, bool KeepAlive, int Status, byte[]? Body, int Length, byte[]? ContentType)> ReadResponseAsync(
        PipeReader input, Core.Infrastructure.IoDeadline deadline, int maxResponseBytes, bool captureContentType)
    {
        var reader = new HeadReader();
        int informational = 0;
        ResponseHead head;
        byte[]? contentType;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled && deadline.Expired)
                {
                    input.AdvanceTo(buffer.Start);
                    return default;
                }

                var status = reader.Read(buffer, HeadLimits.UpstreamResponse, out _);
                if (status == HeadScanStatus.Error || (status == HeadScanStatus.NeedMoreData && result.IsCompleted))
                {
                    input.AdvanceTo(buffer.End);
                    return default;
                }

                if (status == HeadScanStatus.NeedMoreData)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                var collector = new ContentTypeCollector { Capture = captureContentType };
                var parse = reader.ParseResponse(HttpMethod.Post, ref collector, out head);
                input.AdvanceTo(reader.HeadEnd);
                if (parse != HttpParseError.None)
                {
                    return default;
                }

                if (head.IsInformational)
                {
                    if (head.StatusCode == 101 || ++informational > HeadLimits.MaxInformationalResponses)
                    {
                        return default;
                    }

                    reader.Reset();
                    continue;
                }

                contentType = collector.ContentType;
                break;
            }
        }
        finally
        {
            reader.ReturnBuffer();
        }

        var (ok, body, length) = await ReadBodyAsync(input, deadline, head, maxResponseBytes).ConfigureAwait(false);
        if (!ok)
        {
            // A body over the limit or cut short: the call failed whatever the status said.
            return default;
        }

        deadline.Disarm();
        return (true, head.KeepAlive && head.Body != BodyKind.CloseDelimited, head.StatusCode, body, length, contentType);
    }

    /// <summary>The whole body through <see cref="BodyFramer"/> into a pooled array, up to <paramref name="maxBytes"/>.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    internal static async ValueTask<(bool Ok, byte[]? Body, int Length)> ReadBodyAsync(PipeReader input, Core.Infrastructure.IoDeadline deadline, ResponseHead head, int maxBytes)
    {
        if (head.Body == BodyKind.None || (head.Body == BodyKind.ContentLength && head.ContentLength == 0))
        {
            return (true, null, 0);
        }

        if (head.Body == BodyKind.ContentLength && head.ContentLength > maxBytes)
        {
            return (false, null, 0);
        }

        var framer = new BodyFramer(head.Body, head.ContentLength, chunkedOutput: false, maxBytes, maxTrailerBytes: 8192);
        var body = new BlockBufferWriter(head.Body == BodyKind.ContentLength ? (int)head.ContentLength : 4096);
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled && deadline.Expired)
            {
                input.AdvanceTo(buffer.Start);
                body.Release();
                return (false, null, 0);
            }

            var status = framer.Frame(buffer, result.IsCompleted, body, observer: null, out var consumed);
            input.AdvanceTo(consumed, status == BodyFrameStatus.NeedMoreData ? buffer.End : consumed);
            if (status == BodyFrameStatus.Complete)
            {
                var bytes = body.Detach(out int length);
                return (true, bytes, length);
            }

            if (status != BodyFrameStatus.NeedMoreData || result.IsCanceled)
            {
                body.Release();
                return (false, null, 0);
            }
        }
    }
}
