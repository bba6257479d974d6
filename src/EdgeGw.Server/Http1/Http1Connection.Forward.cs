using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;
using EdgeGw.Core.Upstream;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Caching;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Http1;

internal enum ResponseHeadOutcome : byte
{
    Received,
    /// <summary>The upstream closed before sending a single byte (a stale keep-alive connection, typically).</summary>
    ClosedBeforeResponse,
    Malformed,
    TimedOut,
}

internal sealed partial class Http1Connection
{
    private const int MaxInformationalResponses = 10;
    private static readonly HeadLimits UpstreamHeadLimits = new(8192, 65536, 256);

    private HeadScanner _upstreamScanner;
    private ResponseHead _response;
    private byte[]? _responseHeadCopy;
    private HeaderEntry[]? _responseHeaders;
    private int _responseHeaderCount;
    private ReadOnlySequence<byte> _upstreamBuffer;
    private long _upstreamHeadLength;

    /// <summary>
    /// Forwards the request to a destination of the cluster and streams the response back. A request without
    /// a body that fails before any response byte on a reused connection is retried once on a new connection
    /// when its method is idempotent.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ForwardAsync(GatewaySnapshot snapshot, RouteModel route, HttpIntegrationModel http, ReadOnlyMemory<byte> head, SequencePosition headEnd, RouteMatch match)
    {
        var cluster = snapshot.Clusters[http.Cluster.Index];
        bool hasBody = _request.Body != BodyKind.None;
        if (cluster.Breaker is { } breaker && !breaker.TryEnter(LoopClock.Now(_runtime.Time)))
        {
            // The cluster is failing: shed the request instead of adding to its load.
            _input.AdvanceTo(headEnd);
            return await WriteGatewayResponseAsync(503, close: hasBody).ConfigureAwait(false);
        }

        bool retryable = !hasBody && IsIdempotent(_request.Method);
        bool headConsumed = false;
        bool bodySent = false;
        if (_unflushedResponses > 0)
        {
            // Earlier pipelined responses must not wait on this upstream.
            _unflushedResponses = 0;
            await _output.FlushAsync().ConfigureAwait(false);
        }

        for (int attempt = 0; ; attempt++)
        {
            // A refused or timed-out connect goes to another destination inside (cluster.Model.Retries).
            var (destination, connection, leaseError) = await cluster.LeaseAsync(forceNew: attempt > 0).ConfigureAwait(false);
            if (connection is null)
            {
                if (!leaseError.IsLocal())
                {
                    ReportUpstream(cluster, destination, success: false);
                }
                else
                {
                    cluster.Breaker?.ReleaseProbe();
                }

                if (!headConsumed)
                {
                    _input.AdvanceTo(headEnd);
                }

                return await WriteGatewayResponseAsync(leaseError.ToStatusCode(), close: hasBody).ConfigureAwait(false);
            }

            bool reused = connection.CompletedRequests > 0;
            ResponseHeadOutcome outcome;
            try
            {
                WriteUpstreamHead(connection.Output, head.Span, route, http, ref match, destination);
                if (hasBody)
                {
                    _input.AdvanceTo(headEnd);
                    headConsumed = true;
                    var body = await CopyRequestBodyAsync(connection, route.MaxBodyBytes, http.ResponseTimeout).ConfigureAwait(false);
                    if (body != BodyOutcome.Complete)
                    {
                        cluster.Breaker?.ReleaseProbe();
                        destination.Return(connection, reusable: false);
                        return await RespondToBodyFailureAsync(body).ConfigureAwait(false);
                    }

                    bodySent = true;
                }
                else
                {
                    var flush = await connection.Output.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted)
                    {
                        throw new IOException("Upstream connection closed.");
                    }
                }

                outcome = await ReadResponseHeadAsync(connection, http.ResponseTimeout).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                outcome = ResponseHeadOutcome.ClosedBeforeResponse;
            }

            if (outcome != ResponseHeadOutcome.Received)
            {
                destination.Return(connection, reusable: false);
                if (outcome == ResponseHeadOutcome.ClosedBeforeResponse && reused && retryable && attempt == 0)
                {
                    continue;
                }

                ReportUpstream(cluster, destination, success: false);
                if (!headConsumed)
                {
                    _input.AdvanceTo(headEnd);
                }

                // A body cut short leaves unread bytes on the client connection: only closing keeps framing intact.
                return await WriteGatewayResponseAsync(outcome == ResponseHeadOutcome.TimedOut ? 504 : 502, close: hasBody && !bodySent).ConfigureAwait(false);
            }

            if (!headConsumed)
            {
                _input.AdvanceTo(headEnd);
            }

            // A gateway-class status from the upstream counts against it (as Envoy's consecutive-5xx detection).
            ReportUpstream(cluster, destination, success: _response.StatusCode is not (502 or 503 or 504));
            return await RelayResponseAsync(connection).ConfigureAwait(false);
        }
    }

    private static void ReportUpstream(ClusterState cluster, DestinationState destination, bool success) => cluster.Report(destination, success);

    private static bool IsIdempotent(HttpMethod method) =>
        method is HttpMethod.Get or HttpMethod.Head or HttpMethod.Options or HttpMethod.Put or HttpMethod.Delete or HttpMethod.Trace;

    /// <summary>
    /// Writes the upstream request head: rewritten target, the destination's Host, end-to-end headers only,
    /// X-Forwarded-*, X-Request-Id and the gateway's own framing.
    /// </summary>
    private void WriteUpstreamHead(PipeWriter upstream, ReadOnlySpan<byte> head, RouteModel route, HttpIntegrationModel http, ref RouteMatch match, DestinationState destination, ReadOnlySpan<byte> upgradeProtocol = default)
    {
        var writer = new BufferWriter<PipeWriter>(upstream);
        writer.Write(_request.MethodToken(head));
        writer.WriteByte((byte)' ');
        var path = _request.Path(head);
        if (http.PathTemplate.IsDefaultOrEmpty)
        {
            var rest = path[match.StagePrefixLength..];
            writer.Write(rest.IsEmpty ? "/"u8 : rest);
        }
        else
        {
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

        writer.Write(_request.Query(head));
        writer.Write(" HTTP/1.1\r\nHost: "u8);
        writer.Write(destination.HostHeader);
        writer.Write("\r\n"u8);

        var headers = Headers;
        bool hasForwardedFor = false;
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
            }

            if (KnownHeaders.IsHopByHop(entry.Known))
            {
                continue;
            }

            var name = entry.Name(head);
            if (_request.HasConnectionOptions && ConnectionOptions.Names(head, headers, name))
            {
                continue;
            }

            writer.WriteHeader(name, entry.Value(head));
        }

        writer.Write("X-Forwarded-For: "u8);
        if (hasForwardedFor)
        {
            foreach (ref readonly var entry in headers)
            {
                if (entry.Known == KnownHeader.XForwardedFor && entry.ValueLength > 0)
                {
                    writer.Write(entry.Value(head));
                    writer.Write(", "u8);
                }
            }
        }

        writer.Write(_clientAddress);
        writer.Write("\r\nX-Forwarded-Proto: http\r\n"u8);
        var authority = _request.Authority(head);
        if (!authority.IsEmpty)
        {
            writer.WriteHeader("X-Forwarded-Host"u8, authority);
        }

        writer.WriteHeader("X-Request-Id"u8, RequestId);
        if (_request.Body == BodyKind.ContentLength)
        {
            writer.Write("Content-Length: "u8);
            writer.WriteNumber(_request.ContentLength);
            writer.Write("\r\n"u8);
        }
        else if (_request.Body == BodyKind.Chunked)
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

    /// <summary>Reads until a final (non-1xx) response head is buffered and parsed into <see cref="_response"/>.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<ResponseHeadOutcome> ReadResponseHeadAsync(UpstreamConnection connection, TimeSpan timeout)
    {
        var input = connection.Input;
        int informational = 0;
        _upstreamScanner.Reset();
        connection.Deadline.Arm(timeout);
        bool anyBytes = false;
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled && connection.Deadline.Expired)
            {
                input.AdvanceTo(buffer.Start);
                return ResponseHeadOutcome.TimedOut;
            }

            anyBytes |= !buffer.IsEmpty;
            var status = _upstreamScanner.Scan(buffer, UpstreamHeadLimits, out long headLength, out _);
            if (status == HeadScanStatus.Error)
            {
                input.AdvanceTo(buffer.End);
                return ResponseHeadOutcome.Malformed;
            }

            if (status == HeadScanStatus.NeedMoreData)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return anyBytes ? ResponseHeadOutcome.Malformed : ResponseHeadOutcome.ClosedBeforeResponse;
                }

                continue;
            }

            var headSequence = buffer.Slice(_upstreamScanner.HeadStart, headLength);
            if (!ParseResponseHead(headSequence))
            {
                input.AdvanceTo(buffer.End);
                return ResponseHeadOutcome.Malformed;
            }

            if (_response.IsInformational && !(_expectUpgrade && _response.StatusCode == 101))
            {
                // 100 Continue, 103 Early Hints: not relayed. 101 was never asked for (Upgrade is stripped).
                input.AdvanceTo(headSequence.End);
                if (_response.StatusCode == 101 || ++informational > MaxInformationalResponses)
                {
                    return ResponseHeadOutcome.Malformed;
                }

                _upstreamScanner.Reset();
                continue;
            }

            _upstreamBuffer = buffer;
            _upstreamHeadLength = headLength;
            connection.Deadline.Disarm();
            return ResponseHeadOutcome.Received;
        }
    }

    private bool ParseResponseHead(in ReadOnlySequence<byte> headSequence)
    {
        var head = ResponseHeadSpan(headSequence);
        _responseHeaders ??= HeaderTables.Rent(UpstreamHeadLimits.MaxHeaderCount);

        var collector = new HeaderCollector(_responseHeaders);
        var error = HttpResponseParser.Parse(head.Span, _request.Method, ref collector, out _response);
        _responseHeaderCount = collector.Count;
        return error == HttpParseError.None;
    }

    private ReadOnlyMemory<byte> ResponseHeadSpan(in ReadOnlySequence<byte> headSequence)
    {
        if (headSequence.IsSingleSegment)
        {
            return headSequence.First;
        }

        int length = (int)headSequence.Length;
        if (_responseHeadCopy is not null && _responseHeadCopy.Length < length)
        {
            ArrayPool<byte>.Shared.Return(_responseHeadCopy);
            _responseHeadCopy = null;
        }

        _responseHeadCopy ??= ArrayPool<byte>.Shared.Rent(length);

        headSequence.CopyTo(_responseHeadCopy);
        return new ReadOnlyMemory<byte>(_responseHeadCopy, 0, length);
    }

    /// <summary>Writes the client response head and streams the body; returns the connection to the pool when clean.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> RelayResponseAsync(UpstreamConnection connection)
    {
        var destination = connection.Destination;
        var headSequence = _upstreamBuffer.Slice(_upstreamScanner.HeadStart, _upstreamHeadLength);
        // Close-delimited and chunked bodies go to an HTTP/1.0 client raw, ended by closing the connection.
        bool clientChunked = _response.Body is BodyKind.Chunked or BodyKind.CloseDelimited && _request.Version == Protocols.Http1.HttpVersion.Http11;
        if (_response.Body is BodyKind.Chunked or BodyKind.CloseDelimited && !clientChunked)
        {
            _keepAlive = false;
        }

        WriteClientResponseHead(ResponseHeadSpan(headSequence).Span, clientChunked);
        connection.Input.AdvanceTo(headSequence.End);
        _upstreamBuffer = default;

        RelayOutcome relay;
        try
        {
            relay = await RelayBodyAsync(connection, clientChunked).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            relay = RelayOutcome.UpstreamFailed;
        }

        destination.Return(connection, reusable: relay == RelayOutcome.Complete && _response.KeepAlive);
        if (_capture is { Active: true })
        {
            _capture.Completed = relay == RelayOutcome.Complete;
        }

        if (relay == RelayOutcome.UpstreamFailed)
        {
            // The head is already out: the only honest signal left is to cut the connection.
            _context.Abort();
            return false;
        }

        if (relay == RelayOutcome.ClientGone)
        {
            return false;
        }

        return await EndResponseAsync().ConfigureAwait(false);
    }

    /// <summary>The upstream's status line as HTTP/1.1, keeping its reason phrase when it sent one.</summary>
    private void WriteStatusLine<T>(ref BufferWriter<T> writer, ReadOnlySpan<byte> head) where T : IBufferWriter<byte>
    {
        if (_response.ReasonLength > 0)
        {
            writer.Write("HTTP/1.1 "u8);
            writer.Write(head.Slice(9, 3));
            writer.WriteByte((byte)' ');
            writer.Write(head.Slice(_response.ReasonOffset, _response.ReasonLength));
            writer.Write("\r\n"u8);
        }
        else
        {
            writer.Write(StatusLines.For(_response.StatusCode));
        }
    }

    private void WriteClientResponseHead(ReadOnlySpan<byte> head, bool chunked)
    {
        var writer = new BufferWriter<PipeWriter>(_output);
        WriteStatusLine(ref writer, head);

        var headers = new ReadOnlySpan<HeaderEntry>(_responseHeaders, 0, _responseHeaderCount);
        var capture = _capture;
        if (capture is { Active: true })
        {
            DecideStorable(capture, head, headers);
            if (capture.Storable)
            {
                CaptureHead(capture, head, headers);
            }
        }

        bool hasDate = false;
        foreach (ref readonly var entry in headers)
        {
            if (KnownHeaders.IsHopByHop(entry.Known) || entry.Known == KnownHeader.XRequestId)
            {
                continue;
            }

            var name = entry.Name(head);
            if (_response.HasConnectionOptions && ConnectionOptions.Names(head, headers, name))
            {
                continue;
            }

            hasDate |= entry.IsDate;
            writer.WriteHeader(name, entry.Value(head));
        }

        if (!hasDate)
        {
            writer.Write(_runtime.Date.Line);
        }

        if (chunked)
        {
            writer.Write("Transfer-Encoding: chunked\r\n"u8);
        }

        if (capture is { Active: true })
        {
            WriteCacheHeaders(ref writer, hit: false);
        }

        WriteCommonResponseHeaders(ref writer);
        writer.Write("\r\n"u8);
        writer.Commit();
    }

    /// <summary>The head as a cache hit will replay it: same status line and end-to-end headers, no framing or Age.</summary>
    private void CaptureHead(ResponseCapture capture, ReadOnlySpan<byte> head, ReadOnlySpan<HeaderEntry> headers)
    {
        var store = new BufferWriter<ResponseCapture>(capture);
        WriteStatusLine(ref store, head);

        bool hasDate = false;
        foreach (ref readonly var entry in headers)
        {
            if (KnownHeaders.IsHopByHop(entry.Known) || entry.Known == KnownHeader.XRequestId
                || (entry.Known == KnownHeader.ContentLength && !capture.IsHeadRequest))
            {
                continue;
            }

            var name = entry.Name(head);
            if ((name.Length == 3 && Ascii.EqualsIgnoreCase(name, "age"u8))
                || (_response.HasConnectionOptions && ConnectionOptions.Names(head, headers, name)))
            {
                continue;
            }

            hasDate |= entry.IsDate;
            store.WriteHeader(name, entry.Value(head));
        }

        if (!hasDate)
        {
            // The date the response was generated; a hit adds Age to it, as a shared HTTP cache does.
            store.Write(_runtime.Date.Line);
        }

        store.Commit();
        capture.EndHead();
    }

    private enum RelayOutcome : byte
    {
        Complete,
        UpstreamFailed,
        ClientGone,
    }

    /// <summary>Streams the upstream body to the client, one read and one flush at a time (backpressure both ways).</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<RelayOutcome> RelayBodyAsync(UpstreamConnection connection, bool clientChunked)
    {
        var kind = _response.Body;
        if (kind == BodyKind.None)
        {
            return RelayOutcome.Complete;
        }

        var input = connection.Input;
        _bodyRemaining = kind == BodyKind.ContentLength ? _response.ContentLength : long.MaxValue;
        _chunked = new ChunkedDecoder(UpstreamHeadLimits.MaxHeaderBytes);
        try
        {
            while (true)
            {
                connection.Deadline.Arm(connection.Destination.Settings.ResponseTimeout);
                var result = await input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled && connection.Deadline.Expired)
                {
                    input.AdvanceTo(buffer.Start);
                    return RelayOutcome.UpstreamFailed;
                }

                SequencePosition consumed;
                var step = kind switch
                {
                    BodyKind.Chunked => RelayChunked(buffer, clientChunked, out consumed),
                    BodyKind.ContentLength => RelayFixed(buffer, out consumed),
                    _ => RelayUntilClose(buffer, clientChunked, result.IsCompleted, out consumed),
                };
                if (step == RelayStep.Done && !buffer.Slice(consumed).IsEmpty)
                {
                    // Bytes beyond the declared body mean the upstream is out of sync (a body longer than its
                    // Content-Length, say): the connection must not be reused. Later stray bytes are caught
                    // when the pool checks the idle connection before lending it again.
                    _response.KeepAlive = false;
                }

                input.AdvanceTo(consumed, buffer.End);

                var flush = await _output.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    return RelayOutcome.ClientGone;
                }

                if (step == RelayStep.Done)
                {
                    return RelayOutcome.Complete;
                }

                if (step == RelayStep.Failed || result.IsCompleted)
                {
                    return RelayOutcome.UpstreamFailed;
                }
            }
        }
        finally
        {
            connection.Deadline.Disarm();
        }
    }

    private enum RelayStep : byte
    {
        More,
        Done,
        Failed,
    }

    private RelayStep RelayFixed(in ReadOnlySequence<byte> buffer, out SequencePosition consumed)
    {
        long take = Math.Min(buffer.Length, _bodyRemaining);
        var body = buffer.Slice(0, take);
        if (take > 0)
        {
            var writer = new BufferWriter<PipeWriter>(_output);
            writer.Write(body);
            writer.Commit();
            _capture?.AppendBody(body);
        }

        _bodyRemaining -= take;
        consumed = body.End;
        return _bodyRemaining == 0 ? RelayStep.Done : RelayStep.More;
    }

    private RelayStep RelayChunked(in ReadOnlySequence<byte> buffer, bool clientChunked, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        var writer = new BufferWriter<PipeWriter>(_output);
        var step = RelayStep.More;
        while (true)
        {
            var status = _chunked.Read(ref reader, out var data, out _);
            if (status == ChunkedStatus.Data)
            {
                WriteBodyPiece(ref writer, data, clientChunked);
                _capture?.AppendBody(data);
                continue;
            }

            if (status == ChunkedStatus.Complete)
            {
                if (clientChunked)
                {
                    writer.Write("0\r\n\r\n"u8);
                }

                step = RelayStep.Done;
            }
            else if (status == ChunkedStatus.Error)
            {
                step = RelayStep.Failed;
            }

            break;
        }

        writer.Commit();
        consumed = reader.Position;
        return step;
    }

    private RelayStep RelayUntilClose(in ReadOnlySequence<byte> buffer, bool clientChunked, bool completed, out SequencePosition consumed)
    {
        var writer = new BufferWriter<PipeWriter>(_output);
        if (!buffer.IsEmpty)
        {
            WriteBodyPiece(ref writer, buffer, clientChunked);
            _capture?.AppendBody(buffer);
        }

        if (completed && clientChunked)
        {
            writer.Write("0\r\n\r\n"u8);
        }

        writer.Commit();
        consumed = buffer.End;
        return completed ? RelayStep.Done : RelayStep.More;
    }

    private static void WriteBodyPiece(ref BufferWriter<PipeWriter> writer, in ReadOnlySequence<byte> data, bool chunked)
    {
        if (chunked)
        {
            writer.WriteHex(data.Length);
            writer.Write("\r\n"u8);
            writer.Write(data);
            writer.Write("\r\n"u8);
        }
        else
        {
            writer.Write(data);
        }
    }
}
