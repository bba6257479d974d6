using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using EdgeGw.Core.UsagePlans;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Infrastructure;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace EdgeGw.Server.Http1;

/// <summary>
/// One client connection: reads request heads from the transport pipe, routes them, and runs each through
/// its integration, in order. Everything reused per request lives in fields so the steady state allocates
/// nothing; async steps use pooled state machines.
/// The order of a request's way is visible in <see cref="ServeRequestAsync"/>: read head → parse → route →
/// access (key, throttles, quota) → integration (cache step, mock or forward) → flush.
/// </summary>
internal sealed partial class Http1Connection
{
    /// <summary>Responses to pipelined requests are batched; flush at least this often so output stays bounded.</summary>
    private const int MaxUnflushedResponses = 64;

    private readonly ConnectionContext _context;
    private readonly GatewayRuntime _runtime;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly IoDeadline _deadline;
    private readonly byte[] _clientAddress;
    private readonly byte[] _requestId = new byte[64];
    private int _requestIdLength;
    private HeadScanner _scanner;
    private byte[]? _headCopy;
    private HeaderEntry[]? _headers;
    private int _headerCount;
    private RequestHead _request;
    private bool _keepAlive;
    private int _unflushedResponses;
    private int _requestsServed;
    private volatile bool _closeRequested;

    public Http1Connection(ConnectionContext context, GatewayRuntime runtime)
    {
        _context = context;
        _runtime = runtime;
        _input = context.Transport.Input;
        _output = context.Transport.Output;
        _deadline = new IoDeadline(runtime.Time);
        _deadline.Attach(_input);
        _clientAddress = FormatAddress(context.RemoteEndPoint);
    }

    public async Task ProcessAsync()
    {
        long open = _runtime.OnConnectionOpened();
        var lifetime = _context.Features.Get<IConnectionLifetimeNotificationFeature>();
        using var registration = lifetime?.ConnectionClosedRequested.UnsafeRegister(static s => ((Http1Connection)s!).RequestClose(), this) ?? default;
        try
        {
            if (open > _runtime.Current.Model.Server.Limits.MaxConnections)
            {
                // Over the connection limit: say so and close, rather than leave the client to time out.
                await WriteGatewayResponseAsync(503, close: true).ConfigureAwait(false);
                return;
            }

            while (!_closeRequested && await ProcessRequestAsync().ConfigureAwait(false))
            {
            }

            if (_unflushedResponses > 0)
            {
                await _output.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException or InvalidOperationException)
        {
            // The client went away or the transport was aborted: nothing left to answer.
        }
        finally
        {
            ReturnRequestBuffers();
            _deadline.Dispose();
            _runtime.OnConnectionClosed();
        }
    }

    /// <summary>Graceful shutdown: finish the request in flight, then close; an idle connection closes now.</summary>
    private void RequestClose()
    {
        _closeRequested = true;
        _input.CancelPendingRead();
    }

    /// <summary>Serves one request. Returns false when the connection should close.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ProcessRequestAsync()
    {
        try
        {
            return await ServeRequestAsync().ConfigureAwait(false);
        }
        finally
        {
            // Per-request tables go back to the shared pool so an idle keep-alive connection holds none.
            ReturnRequestBuffers();
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ServeRequestAsync()
    {
        var snapshot = _runtime.Current;
        var server = snapshot.Model.Server;
        var limits = snapshot.HeadLimits;
        _scanner.Reset();
        _request = default;
        _requestIdLength = 0;
        bool headTimerArmed = false;
        _deadline.Arm(server.KeepAliveTimeout);

        // 1. Read until a whole head is buffered.
        ReadOnlySequence<byte> buffer;
        long headLength;
        while (true)
        {
            var result = await _input.ReadAsync().ConfigureAwait(false);
            buffer = result.Buffer;
            if (result.IsCanceled && buffer.IsEmpty && (_deadline.Expired || _closeRequested))
            {
                _deadline.Disarm();
                _input.AdvanceTo(buffer.End);
                return false;
            }

            var status = _scanner.Scan(buffer, limits, out headLength, out var scanError);
            if (status == HeadScanStatus.Complete)
            {
                break;
            }

            if (status == HeadScanStatus.Error)
            {
                _deadline.Disarm();
                _input.AdvanceTo(buffer.End);
                await WriteGatewayResponseAsync(scanError.ToStatusCode(), close: true).ConfigureAwait(false);
                return false;
            }

            if (result.IsCompleted)
            {
                _deadline.Disarm();
                _input.AdvanceTo(buffer.End);
                return false;
            }

            if (result.IsCanceled && _deadline.Expired)
            {
                // A head started but never finished within the head timeout (slow client).
                _input.AdvanceTo(buffer.End);
                await WriteGatewayResponseAsync(408, close: true).ConfigureAwait(false);
                return false;
            }

            if (!headTimerArmed && !buffer.IsEmpty)
            {
                _deadline.Arm(server.RequestHeadTimeout);
                headTimerArmed = true;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }

        _deadline.Disarm();
        _runtime.OnRequest();

        // The wait for this request may have spanned a reload: route on the model current now.
        snapshot = _runtime.Current;

        // 2. Parse the head from contiguous bytes.
        var headSequence = buffer.Slice(_scanner.HeadStart, headLength);
        var headEnd = headSequence.End;
        var head = headSequence.IsSingleSegment ? headSequence.First : CopyHead(headSequence);
        RentHeaderTable(limits.MaxHeaderCount);
        var parseError = ParseHead(head.Span);
        if (parseError != HttpParseError.None)
        {
            _input.AdvanceTo(buffer.End);
            _requestIdLength = 0;
            await WriteGatewayResponseAsync(parseError.ToStatusCode(), close: true).ConfigureAwait(false);
            return false;
        }

        CaptureRequestId(head.Span);
        int maxRequests = server.Limits.MaxRequestsPerConnection;
        _keepAlive = _request.KeepAlive && !_closeRequested && (maxRequests == 0 || ++_requestsServed < maxRequests);
        bool hasBody = _request.Body != BodyKind.None;

        // 3. Route on the raw bytes.
        var path = _request.Path(head.Span);
        if (PathRules.HasDotSegment(path))
        {
            _input.AdvanceTo(buffer.End);
            await WriteGatewayResponseAsync(400, close: true).ConfigureAwait(false);
            return false;
        }

        RouteMatch match = default;
        if (!snapshot.Model.Routes.TryMatch(_request.Authority(head.Span), _request.Method, path, ref match))
        {
            _input.AdvanceTo(headEnd);
            // The body was not read: closing is the only way to keep the next request's framing intact.
            return await WriteGatewayResponseAsync(404, close: hasBody).ConfigureAwait(false);
        }

        var route = match.Route!;
        if (_request.Body == BodyKind.ContentLength && _request.ContentLength > route.MaxBodyBytes)
        {
            _input.AdvanceTo(headEnd);
            return await WriteGatewayResponseAsync(413, close: true).ConfigureAwait(false);
        }

        // 4. Access: API key, token buckets, quota.
        if (route.Access is not null || snapshot.Access.Gateway is not null)
        {
            var outcome = CheckAccess(snapshot, route, head.Span, out var decision);
            if (outcome != AccessOutcome.Allowed)
            {
                _input.AdvanceTo(headEnd);
                return await WriteAccessRefusalAsync(outcome, decision, close: hasBody).ConfigureAwait(false);
            }
        }

        // 5. Integration (through the cache step when the route is cached).
        if (route.Integration is Core.WebSockets.WebSocketApiModel webSocketApi)
        {
            return await ServeWebSocketApiAsync(snapshot, webSocketApi, head, headEnd).ConfigureAwait(false);
        }

        if (route.Integration is HttpIntegrationModel http)
        {
            if (_request.UpgradeRequested && IsWebSocketUpgrade(head.Span))
            {
                return await TunnelAsync(snapshot, route, http, head, headEnd, match).ConfigureAwait(false);
            }

            if (route.Cache is { } cachePolicy && cachePolicy.AllowsMethod(_request.Method))
            {
                return await ServeCachedAsync(snapshot, route, http, cachePolicy, head, headEnd, match).ConfigureAwait(false);
            }

            return await ForwardAsync(snapshot, route, http, head, headEnd, match).ConfigureAwait(false);
        }

        _input.AdvanceTo(headEnd);
        var mock = (MockIntegrationModel)route.Integration;
        if (hasBody)
        {
            var drained = await DrainBodyAsync(route.MaxBodyBytes).ConfigureAwait(false);
            if (drained != BodyOutcome.Complete)
            {
                return await RespondToBodyFailureAsync(drained).ConfigureAwait(false);
            }
        }

        WriteMockResponse(mock);
        return await EndResponseAsync().ConfigureAwait(false);
    }

    private HttpParseError ParseHead(ReadOnlySpan<byte> head)
    {
        var collector = new HeaderCollector(_headers!);
        var error = HttpRequestParser.Parse(head, ref collector, out _request);
        _headerCount = collector.Count;
        return error;
    }

    private ReadOnlyMemory<byte> CopyHead(in ReadOnlySequence<byte> head)
    {
        int length = (int)head.Length;
        if (_headCopy is null || _headCopy.Length < length)
        {
            if (_headCopy is not null)
            {
                ArrayPool<byte>.Shared.Return(_headCopy);
            }

            _headCopy = ArrayPool<byte>.Shared.Rent(length);
        }

        head.CopyTo(_headCopy);
        return new ReadOnlyMemory<byte>(_headCopy, 0, length);
    }

    private void RentHeaderTable(int maxHeaders)
    {
        if (_headers is not null && _headers.Length < maxHeaders)
        {
            HeaderTables.Return(_headers);
            _headers = null;
        }

        _headers ??= HeaderTables.Rent(maxHeaders);
    }

    private void ReturnRequestBuffers()
    {
        if (_headers is not null)
        {
            HeaderTables.Return(_headers);
            _headers = null;
        }

        if (_responseHeaders is not null)
        {
            HeaderTables.Return(_responseHeaders);
            _responseHeaders = null;
        }

        if (_headCopy is not null)
        {
            ArrayPool<byte>.Shared.Return(_headCopy);
            _headCopy = null;
        }

        if (_responseHeadCopy is not null)
        {
            ArrayPool<byte>.Shared.Return(_responseHeadCopy);
            _responseHeadCopy = null;
        }

        ReturnCacheKey();
    }

    private ReadOnlySpan<HeaderEntry> Headers => new(_headers, 0, _headerCount);

    /// <summary>Keeps the client's X-Request-Id when it sent a sane one, else generates one.</summary>
    private void CaptureRequestId(ReadOnlySpan<byte> head)
    {
        foreach (ref readonly var entry in Headers)
        {
            if (entry.Known == KnownHeader.XRequestId && entry.ValueLength is > 0 and <= 64)
            {
                var value = entry.Value(head);
                if (!value.ContainsAnyExcept(IdCharacters))
                {
                    value.CopyTo(_requestId);
                    _requestIdLength = value.Length;
                    return;
                }
            }
        }

        _requestIdLength = RequestIdGenerator.Next(_requestId);
    }

    private static readonly SearchValues<byte> IdCharacters =
        SearchValues.Create("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:"u8);

    private ReadOnlySpan<byte> RequestId => _requestId.AsSpan(0, _requestIdLength);

    /// <summary>Flushes unless more pipelined requests are already buffered (then their responses share one flush).</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> EndResponseAsync()
    {
        _unflushedResponses++;
        if (_keepAlive && _unflushedResponses < MaxUnflushedResponses && _input.TryRead(out var next))
        {
            bool more = !next.Buffer.IsEmpty;
            _input.AdvanceTo(next.Buffer.Start);
            if (more)
            {
                return true;
            }
        }

        _unflushedResponses = 0;
        var flush = await _output.FlushAsync().ConfigureAwait(false);
        return _keepAlive && !flush.IsCompleted;
    }

    private void WriteMockResponse(MockIntegrationModel mock)
    {
        var writer = new BufferWriter<PipeWriter>(_output);
        writer.Write(StatusLines.For(mock.StatusCode));
        writer.Write(_runtime.Date.Line);
        writer.Write("Content-Length: "u8);
        writer.WriteNumber(mock.Body.Length);
        writer.Write("\r\n"u8);
        foreach (var header in mock.Headers)
        {
            writer.WriteHeader(header.Name, header.Value);
        }

        WriteCommonResponseHeaders(ref writer);
        writer.Write("\r\n"u8);
        if (_request.Method != HttpMethod.Head)
        {
            writer.Write(mock.Body);
        }

        writer.Commit();
    }

    /// <summary>X-Request-Id and the connection disposition the client should see.</summary>
    private void WriteCommonResponseHeaders(ref BufferWriter<PipeWriter> writer)
    {
        if (_requestIdLength > 0)
        {
            writer.WriteHeader("X-Request-Id"u8, RequestId);
        }

        if (!_keepAlive)
        {
            writer.Write("Connection: close\r\n"u8);
        }
        else if (_request.Version == Protocols.Http1.HttpVersion.Http10)
        {
            writer.Write("Connection: keep-alive\r\n"u8);
        }
    }

    /// <summary>Writes one of the gateway's own JSON responses. Returns whether the connection stays open.</summary>
    private ValueTask<bool> WriteGatewayResponseAsync(int status, bool close)
    {
        if (close)
        {
            _keepAlive = false;
        }

        var (headBytes, body) = GatewayResponses.For(status);
        var writer = new BufferWriter<PipeWriter>(_output);
        writer.Write(headBytes);
        return EndGatewayResponseAsync(ref writer, body);
    }

    /// <summary>Finishes one of the gateway's own responses after its status line and specific headers.</summary>
    private ValueTask<bool> EndGatewayResponseAsync(ref BufferWriter<PipeWriter> writer, ReadOnlySpan<byte> body)
    {
        writer.Write(_runtime.Date.Line);
        WriteCommonResponseHeaders(ref writer);
        writer.Write("\r\n"u8);
        if (_request.Method != HttpMethod.Head)
        {
            writer.Write(body);
        }

        writer.Commit();
        return EndResponseAsync();
    }

    private static byte[] FormatAddress(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => Encoding.ASCII.GetBytes((ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address).ToString()),
        null => "unknown"u8.ToArray(),
        _ => Encoding.ASCII.GetBytes(endPoint.ToString() ?? "unknown"),
    };
}
