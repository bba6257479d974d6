using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using EdgeGw.Core.Upstream;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Http1;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Forwarding;

/// <summary>
/// Relays an upstream response to the client: the head with hop-by-hop headers dropped and the gateway's own
/// framing, then the body through <see cref="BodyFramer"/>, one read and one flush at a time (backpressure both
/// ways). A chunked or close-delimited body goes to an HTTP/1.1 client re-chunked, to an HTTP/1.0 client raw
/// (ended by closing). The upstream connection goes back to its pool only when the exchange ended cleanly.
/// </summary>
internal sealed class ResponseRelay
{
    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;
    private readonly UpstreamResponse _response;
    private BodyFramer _framer;
    /// <summary>The upstream connection went back to its pool (or was closed) during this relay.</summary>
    private bool _released;
    /// <summary>Body bytes taken from the upstream in this relay (as framed on the wire), for the access log.</summary>
    private long _bodyBytes;

    public ResponseRelay(ClientConnection connection, ClientRequest request, ClientResponder responder, UpstreamResponse response)
    {
        _connection = connection;
        _request = request;
        _responder = responder;
        _response = response;
    }

    private enum RelayOutcome : byte
    {
        Complete,
        UpstreamFailed,
        ClientGone,
    }

    /// <summary>Writes the client response head and streams the body; returns whether the client connection stays open.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<bool> RelayAsync(UpstreamConnection connection, IResponseObserver? observer)
    {
        ref var head = ref _response.Head;
        // Not a ref local: this method awaits, and the record is written after the awaits too.
        _request.Record.IntegrationStatus = head.StatusCode;
        _request.Record.Status = head.StatusCode;
        _bodyBytes = 0;
        bool clientChunked = head.Body is BodyKind.Chunked or BodyKind.CloseDelimited && _request.Head.Version == HttpVersion.Http11;
        if (head.Body is BodyKind.Chunked or BodyKind.CloseDelimited && !clientChunked)
        {
            _responder.KeepAlive = false;
        }

        observer?.OnResponseHead(_response);
        // Compression (null unless the route compresses and this response qualifies): framing, coding, Vary.
        var compression = _request.Compression?.Begin(_response, ref clientChunked);
        WriteClientHead(clientChunked, observer, compression);
        _response.ConsumeHead(connection);

        _released = false;
        RelayOutcome relay;
        try
        {
            relay = await RelayBodyAsync(connection, clientChunked, observer, compression).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            relay = RelayOutcome.UpstreamFailed;
        }

        compression?.End();

        if (!_released)
        {
            Release(connection, reusable: false);
        }

        _request.Record.IntegrationEndTimestamp = _connection.Runtime.Time.GetTimestamp();
        _request.Record.ResponseLength = _response.Head.Body == BodyKind.ContentLength ? _response.Head.ContentLength : _bodyBytes;

        observer?.OnResponseEnd(relay == RelayOutcome.Complete);
        if (relay == RelayOutcome.UpstreamFailed)
        {
            // The head is already out: the only honest signal left is to cut the connection.
            _connection.Abort();
            return false;
        }

        if (relay == RelayOutcome.ClientGone)
        {
            return false;
        }

        return await _responder.EndResponseAsync().ConfigureAwait(false);
    }

    private void WriteClientHead(bool chunked, IResponseObserver? observer, Compression.ResponseCompressor? compression)
    {
        var head = _response.Span;
        var headers = _response.Headers;
        var writer = new BufferWriter<PipeWriter>(_responder.Output);
        // Response parameter mapping of this backend status (null unless the integration maps it).
        var mapping = _request.Record.Route?.Integration is Core.Model.HttpIntegrationModel { ResponseMapping: { } responseMapping }
            ? responseMapping.Find(_response.Head.StatusCode)
            : null;
        if (mapping is { NewStatus: > 0 })
        {
            writer.Write(StatusLines.For(mapping.NewStatus));
            _request.Record.Status = mapping.NewStatus;
        }
        else
        {
            _response.WriteStatusLine(ref writer);
        }

        bool hasDate = false;
        foreach (ref readonly var entry in headers)
        {
            if (KnownHeaders.IsHopByHop(entry.Known) || entry.Known == KnownHeader.XRequestId)
            {
                continue;
            }

            var name = entry.Name(head);
            if (_request.Cors is not null && EdgeGw.Core.Cors.CorsPolicy.IsCorsHeader(name))
            {
                // The API's CORS configuration replaces the backend's (ClientResponder.WriteCommonHeaders writes it).
                continue;
            }

            if (_response.Head.HasConnectionOptions && ConnectionOptions.Names(head, headers, name))
            {
                continue;
            }

            if (mapping is not null && mapping.DropsHeader(name))
            {
                continue; // remove:/overwrite:header.<name>
            }

            hasDate |= entry.IsDate;
            if (compression is not null && compression.WritesHeader(ref writer, entry, head))
            {
                continue;
            }

            writer.WriteHeader(name, entry.Value(head));
        }

        if (!hasDate)
        {
            writer.Write(_connection.Runtime.Date.Line);
        }

        if (chunked)
        {
            writer.Write("Transfer-Encoding: chunked\r\n"u8);
        }

        if (mapping is not null && !mapping.Headers.IsEmpty)
        {
            var scratch = ParameterMapping.RequestMapper.Rent();
            var input = new Core.ParameterMapping.MappingInput { Head = head, Headers = headers };
            ParameterMapping.RequestMapper.WriteHeaders(ref writer, mapping.Headers.AsSpan(), input, _request.Record, scratch);
            ParameterMapping.RequestMapper.Return(scratch);
        }

        observer?.WriteResponseHeaders(ref writer);
        compression?.WriteHeaders(ref writer);
        _responder.WriteCommonHeaders(ref writer);
        writer.Write("\r\n"u8);
        writer.Commit();
    }

    /// <summary>
    /// Streams the upstream body to the client. A body whose Content-Length fits the cluster's
    /// <c>responseBufferBytes</c> is taken from the upstream whole without waiting for the client; any other body
    /// goes out whenever the upstream pauses and at least every <c>responseBufferBytes</c> (backpressure both
    /// ways). Once the whole body has been taken, the upstream connection goes back to its pool before the final
    /// flush, so a client that reads slowly (or never) holds only its own connection, bounded by the send timeout.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<RelayOutcome> RelayBodyAsync(UpstreamConnection connection, bool clientChunked, IResponseObserver? observer, Compression.ResponseCompressor? compression)
    {
        ref readonly var head = ref _response.Head;
        var input = connection.Input;
        var settings = connection.Destination.Settings;
        if (head.Body == BodyKind.None)
        {
            Release(connection, reusable: _response.Head.KeepAlive);
            return RelayOutcome.Complete;
        }

        _framer = new BodyFramer(head.Body, head.ContentLength, clientChunked, long.MaxValue, HeadLimits.UpstreamResponse.MaxHeaderBytes);
        // A body of declared length that fits the buffer is read whole before the client is waited for; anything
        // else (large, or chunked and close-delimited streams, whose latency matters) also goes out when the
        // upstream pauses.
        bool absorbWhole = head.Body == BodyKind.ContentLength && head.ContentLength <= settings.ResponseBufferBytes;
        long buffered = 0;
        try
        {
            while (true)
            {
                if (!input.TryRead(out var result))
                {
                    if (buffered > 0 && !absorbWhole)
                    {
                        // The upstream has nothing more right now: what came so far goes to the client first.
                        buffered = 0;
                        compression?.FlushEncoder();
                        if (!await _responder.FlushAsync().ConfigureAwait(false))
                        {
                            return RelayOutcome.ClientGone;
                        }
                    }

                    connection.Deadline.Arm(settings.ResponseTimeout);
                    result = await input.ReadAsync().ConfigureAwait(false);
                }

                var buffer = result.Buffer;
                if (result.IsCanceled && connection.Deadline.Expired)
                {
                    input.AdvanceTo(buffer.Start);
                    return RelayOutcome.UpstreamFailed;
                }

                SequencePosition consumed;
                var status = compression is null
                    ? _framer.Frame(buffer, result.IsCompleted, _responder.Output, observer, out consumed)
                    : compression.Frame(ref _framer, buffer, result.IsCompleted, observer, out consumed);
                if (status == BodyFrameStatus.Complete && !buffer.Slice(consumed).IsEmpty)
                {
                    // Bytes beyond the declared body mean the upstream is out of sync (a body longer than its
                    // Content-Length, say): the connection must not be reused. Later stray bytes are caught
                    // when the pool checks the idle connection before lending it again.
                    _response.Head.KeepAlive = false;
                }

                long taken = buffer.Slice(0, consumed).Length;
                buffered += taken;
                _bodyBytes += taken;
                input.AdvanceTo(consumed, buffer.End);
                if (status == BodyFrameStatus.Complete)
                {
                    // Whole: the upstream is free before the client has read a byte (the caller flushes).
                    connection.Deadline.Disarm();
                    Release(connection, reusable: _response.Head.KeepAlive);
                    return RelayOutcome.Complete;
                }

                if (status != BodyFrameStatus.NeedMoreData || result.IsCompleted)
                {
                    // What arrived still goes out; then the connection is cut (the caller aborts it).
                    await _responder.FlushAsync().ConfigureAwait(false);
                    return RelayOutcome.UpstreamFailed;
                }

                if (buffered >= settings.ResponseBufferBytes)
                {
                    buffered = 0;
                    if (!await _responder.FlushAsync().ConfigureAwait(false))
                    {
                        return RelayOutcome.ClientGone;
                    }
                }
            }
        }
        finally
        {
            connection.Deadline.Disarm();
        }
    }

    private void Release(UpstreamConnection connection, bool reusable)
    {
        _released = true;
        connection.Destination.Return(connection, reusable);
    }
}
