using System.Buffers;
using EdgeGw.Protocols.Buffers;
using System.IO.Pipelines;
using EdgeGw.Core.WebSockets;
using EdgeGw.Protocols.WebSockets;
using Microsoft.AspNetCore.Connections;

namespace EdgeGw.Server.WebSockets;

/// <summary>
/// One terminated WebSocket connection of a WebSocket API, as the registry and the @connections API see it.
/// Sends from any thread are serialized without locks: senders push frames on a lock-free stack and whoever
/// finds no writer running becomes the writer, drains the stack in order and flushes. An idle connection
/// holds no buffers: frames live in pooled arrays only between push and flush.
/// </summary>
internal sealed class WebSocketSession
{
    /// <summary>How long a close handshake may take before the connection is cut.</summary>
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly PipeWriter _output;
    private readonly ConnectionContext _connection;
    private readonly WebSocketRegistry _registry;
    private OutboundFrame? _pending;
    private int _draining;
    private long _queuedBytes;
    private long _lastActive;
    private long _closeSentAt;
    private int _closing;
    private volatile bool _ended;
    private TaskCompletionSource? _closeFlushed;

    public WebSocketSession(string id, WebSocketApiModel api, string sourceIp, string userAgent, ConnectionContext connection, WebSocketRegistry registry)
    {
        Id = id;
        Api = api;
        SourceIp = sourceIp;
        UserAgent = userAgent;
        _connection = connection;
        _output = connection.Transport.Output;
        _registry = registry;
        ConnectedAt = registry.Time.GetUtcNow();
        ConnectedTimestamp = registry.Time.GetTimestamp();
        _lastActive = ConnectedTimestamp;
        IntegrationHeaders = System.Text.Encoding.ASCII.GetBytes($"X-EdgeGw-Connection-Id: {id}\r\nX-EdgeGw-Api: {api.ApiName}\r\nX-EdgeGw-Stage: {api.StageName}\r\nX-Forwarded-For: {sourceIp}\r\n");
    }

    public string Id { get; }
    public WebSocketApiModel Api { get; }
    public string SourceIp { get; }
    /// <summary>The handshake's User-Agent (empty without one), for the @connections API's <c>identity</c>.</summary>
    public string UserAgent { get; }
    public DateTimeOffset ConnectedAt { get; }
    public long ConnectedTimestamp { get; }
    public long LastActiveTimestamp => Volatile.Read(ref _lastActive);
    /// <summary>Header lines every integration call of this connection carries.</summary>
    public byte[] IntegrationHeaders { get; }
    public bool IsClosing => Volatile.Read(ref _closing) != 0;
    public long CloseSentAt => Volatile.Read(ref _closeSentAt);
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);
    /// <summary>Lambda routes' event writer and invoker (one call at a time per session); null until the first.</summary>
    internal WebSocketLambdaCaller? LambdaCaller { get; set; }

    /// <summary>Traffic either way keeps the connection from being idle.</summary>
    public void Touch() => Volatile.Write(ref _lastActive, _registry.Time.GetTimestamp());

    /// <summary>Queues a data message (one frame; it was bounded by the API's message limit).</summary>
    public WebSocketSendResult TrySend(WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
    {
        if (IsClosing || _ended)
        {
            return WebSocketSendResult.Gone;
        }

        if (Interlocked.Read(ref _queuedBytes) + payload.Length > Api.Limits.SendBufferBytes)
        {
            return WebSocketSendResult.Full;
        }

        Touch();
        Enqueue(OutboundFrame.Create(opcode, payload, close: false));
        _registry.OnMessageSent();
        return WebSocketSendResult.Sent;
    }

    /// <summary>
    /// Queues a pushed message straight from the bytes it arrived in: text when it is valid UTF-8, else binary
    /// (the @connections API's rule).
    /// </summary>
    public WebSocketSendResult TrySendPushed(in ReadOnlySequence<byte> payload)
    {
        if (IsClosing || _ended)
        {
            return WebSocketSendResult.Gone;
        }

        if (Interlocked.Read(ref _queuedBytes) + payload.Length > Api.Limits.SendBufferBytes)
        {
            return WebSocketSendResult.Full;
        }

        Touch();
        Enqueue(OutboundFrame.Create(payload));
        _registry.OnMessageSent();
        return WebSocketSendResult.Sent;
    }

    /// <summary>Answers a ping. Pongs are not held to the send buffer limit: they are at most 125 bytes each.</summary>
    public void SendPong(ReadOnlySpan<byte> payload)
    {
        if (!IsClosing && !_ended)
        {
            Enqueue(OutboundFrame.Create(WebSocketOpcode.Pong, payload, close: false));
        }
    }

    /// <summary>
    /// Starts the closing handshake (once): queues a close frame. Returns false if one was already queued.
    /// The read loop then waits for the client's close; the registry cuts the connection after <see cref="CloseTimeout"/>.
    /// </summary>
    public bool TryClose(ushort code, ReadOnlySpan<byte> reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return false;
        }

        Volatile.Write(ref _closeSentAt, Math.Max(1, _registry.Time.GetTimestamp()));
        Interlocked.CompareExchange(ref _closeFlushed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);
        Span<byte> frame = stackalloc byte[WebSocketFrameWriter.MaxHeaderLength + 125];
        int length = WebSocketFrameWriter.WriteClose(frame, code, reason);
        Enqueue(OutboundFrame.Create(frame[..length]));
        return true;
    }

    /// <summary>Completes when the close frame has been flushed (or the output failed), bounded by <paramref name="timeout"/>.</summary>
    public async Task WaitForCloseFlushedAsync(TimeSpan timeout)
    {
        var flushed = Volatile.Read(ref _closeFlushed);
        if (flushed is null)
        {
            return;
        }

        try
        {
            await flushed.Task.WaitAsync(timeout, _registry.Time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The client does not read: the caller closes the connection anyway.
        }
    }

    /// <summary>The connection is gone: later sends are refused and queued frames are dropped.</summary>
    public void End()
    {
        _ended = true;
        Volatile.Read(ref _closeFlushed)?.TrySetResult();
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            Discard(Interlocked.Exchange(ref _pending, null));
            Volatile.Write(ref _draining, 0);
        }
    }

    /// <summary>Cuts the transport (a close handshake that timed out, or shutdown).</summary>
    public void Abort() => _connection.Abort(new ConnectionAbortedException("WebSocket close handshake timed out."));

    private void Enqueue(OutboundFrame frame)
    {
        Interlocked.Add(ref _queuedBytes, frame.Length);
        var head = Volatile.Read(ref _pending);
        while (true)
        {
            frame.Next = head;
            var seen = Interlocked.CompareExchange(ref _pending, frame, head);
            if (ReferenceEquals(seen, head))
            {
                break;
            }

            head = seen;
        }

        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            _ = DrainAsync();
        }
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            var batch = Interlocked.Exchange(ref _pending, null);
            if (batch is null)
            {
                Volatile.Write(ref _draining, 0);
                // A frame pushed after the exchange but before the release found the writer busy: take it now.
                if (Volatile.Read(ref _pending) is null || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
                {
                    return;
                }

                continue;
            }

            if (_ended)
            {
                Discard(batch);
                continue;
            }

            // The stack holds newest first: reverse to send in push order.
            OutboundFrame? ordered = null;
            while (batch is not null)
            {
                var next = batch.Next;
                batch.Next = ordered;
                ordered = batch;
                batch = next;
            }

            bool close = false;
            try
            {
                for (var frame = ordered; frame is not null; frame = frame.Next)
                {
                    _output.Write(frame.Span);
                    close |= frame.IsClose;
                }

                Release(ordered);
                ordered = null;
                var flush = await _output.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    _ended = true;
                }
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException or ConnectionResetException)
            {
                Discard(ordered);
                _ended = true;
                close = true;
            }

            if (close || _ended)
            {
                Volatile.Read(ref _closeFlushed)?.TrySetResult();
            }
        }
    }

    private void Release(OutboundFrame? frames)
    {
        for (var frame = frames; frame is not null;)
        {
            var next = frame.Next;
            Interlocked.Add(ref _queuedBytes, -frame.Length);
            frame.Return();
            frame = next;
        }
    }

    private void Discard(OutboundFrame? frames) => Release(frames);

    /// <summary>One encoded frame in a pooled buffer, linked into the send stack.</summary>
    private sealed class OutboundFrame
    {
        private byte[]? _buffer;

        private OutboundFrame(byte[] buffer, int length, bool isClose)
        {
            _buffer = buffer;
            Length = length;
            IsClose = isClose;
        }

        public int Length { get; }
        public bool IsClose { get; }
        public OutboundFrame? Next { get; set; }
        public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

        public static OutboundFrame Create(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool close)
        {
            var buffer = BlockPool.Rent(WebSocketFrameWriter.MaxHeaderLength + payload.Length);
            int header = WebSocketFrameWriter.WriteHeader(buffer, opcode, fin: true, payload.Length);
            payload.CopyTo(buffer.AsSpan(header));
            return new OutboundFrame(buffer, header + payload.Length, close);
        }

        /// <summary>A data frame whose type follows from its bytes: text when they are UTF-8, else binary.</summary>
        public static OutboundFrame Create(in ReadOnlySequence<byte> payload)
        {
            int length = (int)payload.Length;
            var buffer = BlockPool.Rent(WebSocketFrameWriter.MaxHeaderLength + length);
            int header = WebSocketFrameWriter.WriteHeader(buffer, WebSocketOpcode.Binary, fin: true, length);
            payload.CopyTo(buffer.AsSpan(header));
            if (System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(header, length)))
            {
                buffer[0] = (byte)(0x80 | (byte)WebSocketOpcode.Text);
            }

            return new OutboundFrame(buffer, header + length, isClose: false);
        }

        /// <summary>An already encoded close frame.</summary>
        public static OutboundFrame Create(ReadOnlySpan<byte> closeFrame)
        {
            var buffer = BlockPool.Rent(closeFrame.Length);
            closeFrame.CopyTo(buffer);
            return new OutboundFrame(buffer, closeFrame.Length, isClose: true);
        }

        public void Return()
        {
            if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
            {
                BlockPool.Return(buffer);
            }
        }
    }
}
