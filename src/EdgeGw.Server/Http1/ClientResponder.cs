using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.GatewayResponses;
using EdgeGw.Core.Observability;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Infrastructure;

using EdgeGw.Server.Diagnostics;

namespace EdgeGw.Server.Http1;

/// <summary>
/// The response side of a client connection: the gateway's own answers, the headers every response carries
/// (X-Request-Id, connection disposition), whether the connection stays open, and flushing — responses to
/// pipelined requests share one flush, bounded by <see cref="MaxUnflushedResponses"/>.
/// </summary>
internal sealed class ClientResponder
{
    /// <summary>Responses to pipelined requests are batched; flush at least this often so output stays bounded.</summary>
    private const int MaxUnflushedResponses = 64;

    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly PipeWriter _output;
    private int _unflushedResponses;
    /// <summary>A configured gateway response's rendered body (created on the first one this connection sends).</summary>
    private byte[]? _bodyScratch;

    /// <summary>Room for a rendered gateway response body: the template (at most 4 KB) and its values, escaped.</summary>
    private const int MaxGatewayBodyBytes = 16 * 1024;

    public ClientResponder(ClientConnection connection, ClientRequest request)
    {
        _connection = connection;
        _request = request;
        _output = connection.Output;
    }

    public PipeWriter Output => _output;

    /// <summary>Whether the connection stays open after this response; any step may clear it.</summary>
    public bool KeepAlive { get; set; }

    public bool HasUnflushed => _unflushedResponses > 0;

    /// <summary>Sends what earlier pipelined responses left buffered (before waiting on an upstream, say).</summary>
    public ValueTask<bool> FlushPendingAsync()
    {
        _unflushedResponses = 0;
        return FlushAsync();
    }

    /// <summary>
    /// Flushes to the client within the send timeout (<c>server.sendTimeoutSeconds</c>): a client that makes no
    /// progress reading for that long is cut off, so it cannot hold the connection (and its upstream) for ever,
    /// as nginx's <c>send_timeout</c>. Returns false when the client is gone or was cut off.
    /// </summary>
    public ValueTask<bool> FlushAsync()
    {
        var flush = _output.FlushAsync();
        if (flush.IsCompletedSuccessfully)
        {
            var result = flush.Result;
            if (!result.IsCanceled)
            {
                return new(!result.IsCompleted);
            }
        }

        return AwaitFlushAsync(flush);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AwaitFlushAsync(ValueTask<FlushResult> flush)
    {
        var runtime = _connection.Runtime;
        var deadline = _connection.SendDeadline;
        deadline.Arm(runtime.Current.Model.Server.SendTimeout);
        runtime.OnSendWaitStarted();
        FlushResult result;
        try
        {
            while (true)
            {
                result = await flush.ConfigureAwait(false);
                if (!result.IsCanceled || deadline.Expired)
                {
                    break;
                }

                // A cancel left over from a deadline that fired just as an earlier flush completed: flush again.
                flush = _output.FlushAsync();
            }
        }
        finally
        {
            deadline.Disarm();
            runtime.OnSendWaitEnded();
        }

        if (result.IsCanceled)
        {
            // No progress within the send timeout: drop the connection and what it still holds.
            KeepAlive = false;
            _connection.Abort();
            return false;
        }

        return !result.IsCompleted;
    }

    /// <summary>Flushes unless more pipelined requests are already buffered (then their responses share one flush).</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<bool> EndResponseAsync()
    {
        _unflushedResponses++;
        var input = _connection.Input;
        if (KeepAlive && _unflushedResponses < MaxUnflushedResponses && input.TryRead(out var next))
        {
            bool more = !next.Buffer.IsEmpty;
            input.AdvanceTo(next.Buffer.Start);
            if (more)
            {
                return true;
            }
        }

        _unflushedResponses = 0;
        bool open = await FlushAsync().ConfigureAwait(false);
        return KeepAlive && open;
    }

    /// <summary>X-Request-Id and the connection disposition the client should see.</summary>
    public void WriteCommonHeaders(ref BufferWriter<PipeWriter> writer)
    {
        if (_request.HasRequestId)
        {
            writer.WriteHeader("X-Request-Id"u8, _request.RequestId);
        }

        _request.Cors?.Write(ref writer);
        if (!KeepAlive)
        {
            writer.Write("Connection: close\r\n"u8);
        }
        else if (_request.Head.Version == HttpVersion.Http10)
        {
            writer.Write("Connection: keep-alive\r\n"u8);
        }
    }

    /// <summary>Writes one of the gateway's own JSON responses. Returns whether the connection stays open.</summary>
    public ValueTask<bool> GatewayResponseAsync(int status, bool close) =>
        GatewayResponseAsync(status, GatewayErrorTypes.ForStatus(status), close, default);

    /// <summary>
    /// Writes one of the gateway's own JSON responses of AWS gateway response <paramref name="type"/>, with
    /// <paramref name="extraHeaders"/> (whole header lines, each ending in CRLF, e.g. <c>WWW-Authenticate</c>)
    /// after the fixed ones. The one seam for every gateway answer: per-API gateway responses and CORS headers
    /// on error answers hook in here. Returns whether the connection stays open.
    /// </summary>
    public ValueTask<bool> GatewayResponseAsync(int status, GatewayErrorType type, bool close, ReadOnlySpan<byte> extraHeaders)
    {
        if (close)
        {
            KeepAlive = false;
        }

        if (_request.GatewayResponses?.Find(type, status) is { } configured)
        {
            // The API's gatewayResponses entry for this type (or DEFAULT_4XX/5XX) replaces the built-in answer.
            return ConfiguredGatewayResponseAsync(configured, status, type, extraHeaders);
        }

        var (headBytes, body) = GatewayResponses.For(status, type);
        _connection.ExecutionLog?.Write($"Gateway response: {ExecutionLog.Text(headBytes.AsSpan(9, headBytes.AsSpan().IndexOf((byte)'\r') - 9))}, body {ExecutionLog.Text(body)}");
        _request.Record.GatewayAnswer(status, type, GatewayResponses.Message(status, type), _request.IsHead ? 0 : body.Length);
        var writer = new BufferWriter<PipeWriter>(_output);
        writer.Write(headBytes);
        if (!extraHeaders.IsEmpty)
        {
            writer.Write(extraHeaders);
        }

        return EndGatewayResponseAsync(ref writer, body);
    }

    /// <summary>
    /// <see cref="GatewayResponseAsync(int, GatewayErrorType, bool, ReadOnlySpan{byte}, byte[])"/> without extra headers:
    /// request validation's AWS texts (a name of its own, so that existing calls passing <c>default</c> stay unambiguous).
    /// </summary>
    public ValueTask<bool> GatewayMessageResponseAsync(int status, GatewayErrorType type, bool close, byte[] message) =>
        GatewayResponseAsync(status, type, close, default, message);

    /// <summary>
    /// One of the gateway's own JSON answers with a message of its own (<c>{"message":"..."}</c>; the message must be
    /// JSON-safe as given), such as AWS's SigV4 refusals; otherwise as
    /// <see cref="GatewayResponseAsync(int, GatewayErrorType, bool, ReadOnlySpan{byte})"/>, the message being the
    /// record's <c>$context.error.message</c> and a configured gateway response of <paramref name="type"/> replacing it.
    /// </summary>
    public ValueTask<bool> GatewayResponseAsync(int status, GatewayErrorType type, bool close, ReadOnlySpan<byte> extraHeaders, byte[] message)
    {
        if (close)
        {
            KeepAlive = false;
        }

        if (_request.GatewayResponses?.Find(type, status) is { } configured)
        {
            return ConfiguredGatewayResponseAsync(configured, status, type, extraHeaders, message);
        }

        _bodyScratch ??= new byte[MaxGatewayBodyBytes];
        // A message longer than the scratch (a long list of missing parameters) gets a buffer of its own.
        var body = message.Length + 14 <= _bodyScratch.Length ? _bodyScratch.AsSpan(0, message.Length + 14) : new byte[message.Length + 14];
        "{\"message\":\""u8.CopyTo(body);
        message.CopyTo(body[12..]);
        "\"}"u8.CopyTo(body[(12 + message.Length)..]);
        _connection.ExecutionLog?.Write($"Gateway response: {status}, body {ExecutionLog.Text(body)}");
        _request.Record.GatewayAnswer(status, type, message, _request.IsHead ? 0 : body.Length);
        var writer = new BufferWriter<PipeWriter>(_output);
        writer.Write(StatusLines.For(status));
        writer.Write("Content-Type: application/json\r\nContent-Length: "u8);
        writer.WriteNumber(body.Length);
        writer.Write("\r\n"u8);
        writer.Write(extraHeaders);
        return EndGatewayResponseAsync(ref writer, body);
    }

    /// <summary>
    /// A configured gateway response: its status (or the answer's), its headers, then <paramref name="extraHeaders"/>
    /// (a step's own, such as Retry-After), and its body template rendered from the request's record (values
    /// escaped for the template) into the connection's scratch buffer; a body too large for it falls back to the
    /// built-in body.
    /// </summary>
    private ValueTask<bool> ConfiguredGatewayResponseAsync(GatewayResponseDefinition configured, int status, GatewayErrorType type, ReadOnlySpan<byte> extraHeaders, byte[]? message = null)
    {
        int sent = configured.StatusCode != 0 ? configured.StatusCode : status;
        var builtIn = GatewayResponses.For(status, type).Body;
        ref var record = ref _request.Record;
        record.GatewayAnswer(sent, type, message ?? GatewayResponses.Message(status, type), 0);
        ReadOnlySpan<byte> body = builtIn;
        if (configured.HasBody)
        {
            _bodyScratch ??= new byte[MaxGatewayBodyBytes];
            body = AccessLogFormatter.TryFormatParts(configured.Body.AsSpan(), in record, _bodyScratch, out int written) ? _bodyScratch.AsSpan(0, written) : builtIn;
        }

        record.ResponseLength = _request.IsHead ? 0 : body.Length;
        _connection.ExecutionLog?.Write($"Gateway response: {configured.TypeName} {sent}, body {ExecutionLog.Text(body)}");
        var writer = new BufferWriter<PipeWriter>(_output);
        writer.Write(StatusLines.For(sent));
        writer.Write(configured.Headers);
        writer.Write("Content-Length: "u8);
        writer.WriteNumber(body.Length);
        writer.Write("\r\n"u8);
        if (!extraHeaders.IsEmpty)
        {
            writer.Write(extraHeaders);
        }

        return EndGatewayResponseAsync(ref writer, body);
    }

    /// <summary>Finishes one of the gateway's own responses after its status line and specific headers.</summary>
    public ValueTask<bool> EndGatewayResponseAsync(ref BufferWriter<PipeWriter> writer, ReadOnlySpan<byte> body)
    {
        writer.Write(_connection.Runtime.Date.Line);
        WriteCommonHeaders(ref writer);
        writer.Write("\r\n"u8);
        if (!_request.IsHead)
        {
            writer.Write(body);
        }

        writer.Commit();
        return EndResponseAsync();
    }

    /// <summary>Answers a request whose body could not be read to its end; the connection always closes.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<bool> BodyFailureAsync(BodyOutcome outcome)
    {
        int status = outcome switch
        {
            BodyOutcome.TooLarge => 413,
            BodyOutcome.Invalid => 400,
            BodyOutcome.TimedOut => 408,
            BodyOutcome.UpstreamClosed => 502,
            BodyOutcome.UpstreamStalled => 504,
            _ => 0,
        };

        if (status != 0)
        {
            await GatewayResponseAsync(status, close: true).ConfigureAwait(false);
        }

        return false;
    }
}
