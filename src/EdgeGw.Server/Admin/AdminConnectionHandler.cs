using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace EdgeGw.Server.Admin;

/// <summary>
/// HTTP/1.1 for the admin API, on the gateway's own parser. Not a hot path: it favours simplicity, but still
/// bounds what a client controls (head size, body size, idle time) and closes on anything malformed.
/// </summary>
public sealed class AdminConnectionHandler(GatewayRuntime runtime) : ConnectionHandler
{
    private const int MaxBodyBytes = 64 * 1024;
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

    private readonly AdminApi _api = new(runtime);

    // Pushes are what backends call per message: their answers are encoded once.
    private static readonly AdminResponse PushSent = AdminApi.Sent;
    private static readonly AdminResponse PushGone = AdminResponse.Error(410, "GoneException", AdminApi.GoneMessage);
    private static readonly AdminResponse PushFull = AdminResponse.Error(429, "LimitExceededException", AdminApi.FullMessage);
    private static readonly AdminRequest PushKeepAlive = new() { Method = "POST", KeepAlive = true };
    private static readonly AdminRequest PushClose = new() { Method = "POST", KeepAlive = false };
    private static readonly AdminRequest UnauthorizedClose = new() { Method = "GET", KeepAlive = false };

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        // One idle timer per connection, re-armed per request.
        using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, runtime.Time);
        // Shutdown ends the wait for the next request at once: a scraper's idle keep-alive connection would
        // otherwise hold the process up for the idle timeout. An answer being written is finished first.
        var lifetime = connection.Features.Get<IConnectionLifetimeNotificationFeature>();
        using var closing = lifetime?.ConnectionClosedRequested.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), idle) ?? default;
        try
        {
            while (true)
            {
                idle.CancelAfter(IdleTimeout);
                var (request, immediate) = await ReadRequestAsync(input, idle.Token).ConfigureAwait(false);
                if (request is null)
                {
                    return;
                }

                var response = immediate ?? (request.Error is { } status ? Refusal(status) : await _api.HandleAsync(request).ConfigureAwait(false));
                bool keepAlive = request.KeepAlive && request.Error is null;
                WriteResponse(output, response, request.Method == "HEAD", keepAlive);
                var flush = await output.FlushAsync().ConfigureAwait(false);
                if (!keepAlive || flush.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ConnectionResetException or ConnectionAbortedException)
        {
            // Idle past the timeout, or the client went away.
        }
    }

    // A body over the limit is AWS's PayloadTooLargeException (what an SDK pushing too much to @connections expects).
    private static readonly AdminResponse BodyTooLarge = AdminResponse.Error(413, "PayloadTooLargeException", $"the admin API takes bodies of at most {MaxBodyBytes} bytes");

    private static AdminResponse Refusal(int status) => status == 413 ? BodyTooLarge : AdminResponse.Error(status, "malformed request");

    /// <summary>A request to handle, or (for a push, served on the spot) a request and its answer.</summary>
    private async ValueTask<(AdminRequest? Request, AdminResponse? Immediate)> ReadRequestAsync(PipeReader input, CancellationToken cancellation)
    {
        // A head split across segments is copied into a pooled buffer, given back when the request is read.
        var reader = default(HeadReader);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(cancellation).ConfigureAwait(false);
                var buffer = result.Buffer;
                var status = reader.Read(buffer, HeadLimits.Default, out var scanError);
                if (status == HeadScanStatus.Error)
                {
                    input.AdvanceTo(buffer.End);
                    return (new AdminRequest { Error = scanError.ToStatusCode() }, null);
                }

                if (status == HeadScanStatus.NeedMoreData)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                    {
                        return (null, null);
                    }

                    continue;
                }

                var head = reader.Head;
                var headEnd = reader.HeadEnd;
                // The token of the model current now: a reload that rotates admin.tokenFile applies to the next request.
                var headers = new AdminAuthorization(runtime.Current.Model.Admin.TokenDigest);
                var parseError = reader.ParseRequest(ref headers, out var parsed);
                if (parseError != HttpParseError.None)
                {
                    input.AdvanceTo(buffer.End);
                    return (new AdminRequest { Error = parseError.ToStatusCode() }, null);
                }

                // Before anything else, pushes included: without the token nothing is read, routed or sent.
                if (!headers.Allowed)
                {
                    input.AdvanceTo(buffer.End);
                    return (UnauthorizedClose, AdminAuthorization.Unauthorized);
                }

                if (IsPush(head.Span, parsed, out var id))
                {
                    // POST /@connections/{id} with a Content-Length body: no strings; the body goes from the pipe into the frame.
                    var (refusal, session, remoteId, tag) = FindPushTarget(head.Span[id], parsed.ContentLength);
                    input.AdvanceTo(headEnd);
                    var pushed = remoteId is null
                        ? await PushAsync(input, refusal, session, (int)parsed.ContentLength, cancellation).ConfigureAwait(false)
                        : await PushRemoteAsync(input, remoteId, tag, (int)parsed.ContentLength, cancellation).ConfigureAwait(false);
                    return pushed is null ? (new AdminRequest { Error = 400 }, null) : (parsed.KeepAlive ? PushKeepAlive : PushClose, pushed);
                }

                var head2 = head.Span;
                var request = new AdminRequest
                {
                    Method = Encoding.ASCII.GetString(parsed.MethodToken(head2)),
                    Path = Encoding.ASCII.GetString(parsed.Path(head2)),
                    Query = Encoding.ASCII.GetString(parsed.Query(head2)),
                    KeepAlive = parsed.KeepAlive,
                    OpenMetrics = headers.OpenMetrics,
                };

                if (parsed.Body == BodyKind.None)
                {
                    input.AdvanceTo(headEnd);
                    return (request, null);
                }

                if (parsed.Body == BodyKind.ContentLength && parsed.ContentLength > MaxBodyBytes)
                {
                    input.AdvanceTo(buffer.End);
                    return (new AdminRequest { Error = 413 }, null);
                }

                input.AdvanceTo(headEnd);
                request.Body = await ReadBodyAsync(input, parsed.Body, parsed.ContentLength, cancellation).ConfigureAwait(false);
                return (request.Body is null ? new AdminRequest { Error = 400 } : request, null);
            }
        }
        finally
        {
            reader.ReturnBuffer();
        }
    }

    private static bool IsPush(ReadOnlySpan<byte> head, in RequestHead parsed, out Range id)
    {
        id = default;
        var path = parsed.Path(head);
        if (parsed.Method != HttpMethod.Post || parsed.Body != BodyKind.ContentLength || parsed.ContentLength > MaxBodyBytes)
        {
            return false;
        }

        // [/{stage} | /{api}/{stage}]/@connections/{id}
        int marker = path.IndexOf("/@connections/"u8);
        if (marker < 0 || path[..marker].Count((byte)'/') > 2 || path.Length == marker + 14 || path[(marker + 14)..].Contains((byte)'/'))
        {
            return false;
        }

        int start = parsed.PathOffset + marker + 14;
        id = new Range(start, parsed.PathOffset + path.Length);
        return true;
    }

    /// <summary>The push's refusal, or its local session, or (cluster mode) the id and tag of a connection another instance holds.</summary>
    private (AdminResponse? Refusal, WebSocketSession? Session, string? RemoteId, int Tag) FindPushTarget(ReadOnlySpan<byte> rawId, long length)
    {
        Span<byte> id = stackalloc byte[64];
        int idLength = ConnectionIds.Unescape(rawId, id);
        if (idLength <= 0)
        {
            return (PushGone, null, null, 0);
        }

        id = id[..idLength];
        if (!runtime.WebSockets.TryGet(id, out var session))
        {
            if (runtime.ConnectionRelay is { } relay && id.Length == ConnectionIds.Length)
            {
                Span<char> chars = stackalloc char[ConnectionIds.Length];
                for (int i = 0; i < chars.Length; i++)
                {
                    chars[i] = (char)id[i];
                }

                if (relay.IsRemote(chars, out int tag))
                {
                    return (null, null, new string(chars), tag);
                }
            }

            return (PushGone, null, null, 0);
        }

        if (session.IsClosing)
        {
            return (PushGone, null, null, 0);
        }

        return length > session.Api.Limits.MaxMessageBytes
            ? (AdminApi.TooLarge(session), null, null, 0)
            : (null, session, null, 0);
    }

    /// <summary>Reads the body and queues it to the connection; null when the body never arrived.</summary>
    private static async ValueTask<AdminResponse?> PushAsync(PipeReader input, AdminResponse? refusal, WebSocketSession? session, int length, CancellationToken cancellation)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellation).ConfigureAwait(false);
            if (result.Buffer.Length >= length)
            {
                var body = result.Buffer.Slice(0, length);
                var response = refusal ?? session!.TrySendPushed(body) switch
                {
                    WebSocketSendResult.Sent => PushSent,
                    WebSocketSendResult.Full => PushFull,
                    _ => PushGone,
                };
                input.AdvanceTo(body.End);
                return response;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>Reads the body and has the instance holding the connection send it (cluster mode); null when the body never arrived.</summary>
    private async ValueTask<AdminResponse?> PushRemoteAsync(PipeReader input, string id, int tag, int length, CancellationToken cancellation)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellation).ConfigureAwait(false);
            if (result.Buffer.Length >= length)
            {
                var body = result.Buffer.Slice(0, length).ToArray();
                input.AdvanceTo(result.Buffer.GetPosition(length));
                return await runtime.ConnectionRelay!.ForwardAsync(tag, "POST", id, body).ConfigureAwait(false);
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>A Content-Length or chunked body (HttpClient's JSON content uses one), bounded by <see cref="MaxBodyBytes"/>; null when it is malformed, too big or never arrives.</summary>
    private static async ValueTask<byte[]?> ReadBodyAsync(PipeReader input, BodyKind kind, long contentLength, CancellationToken cancellation)
    {
        var framer = new BodyFramer(kind, contentLength, chunkedOutput: false, MaxBodyBytes, HeadLimits.Default.MaxHeaderBytes);
        var body = new ArrayBufferWriter<byte>();
        while (true)
        {
            var result = await input.ReadAsync(cancellation).ConfigureAwait(false);
            var status = framer.Frame(result.Buffer, result.IsCompleted, body, observer: null, out var consumed);
            input.AdvanceTo(consumed, status == BodyFrameStatus.NeedMoreData ? result.Buffer.End : consumed);
            if (status == BodyFrameStatus.Complete)
            {
                return body.WrittenSpan.ToArray();
            }

            if (status != BodyFrameStatus.NeedMoreData)
            {
                return null;
            }
        }
    }

    private void WriteResponse(PipeWriter output, AdminResponse response, bool head, bool keepAlive)
    {
        var writer = new BufferWriter<PipeWriter>(output);
        writer.Write(Infrastructure.StatusLines.For(response.Status));
        writer.Write("Content-Type: "u8);
        foreach (char c in response.ContentType)
        {
            writer.WriteByte((byte)c);
        }

        writer.Write("\r\nContent-Length: "u8);
        writer.WriteNumber(response.Body.Length);
        writer.Write("\r\nCache-Control: no-store\r\n"u8);
        if (response.ErrorType is { } errorType)
        {
            writer.Write("x-amzn-ErrorType: "u8);
            foreach (char c in errorType)
            {
                writer.WriteByte((byte)c);
            }

            writer.Write("\r\n"u8);
        }

        if (response.Challenge is { } challenge)
        {
            writer.Write("WWW-Authenticate: "u8);
            foreach (char c in challenge)
            {
                writer.WriteByte((byte)c);
            }

            writer.Write("\r\n"u8);
        }

        if (!keepAlive)
        {
            writer.Write("Connection: close\r\n"u8);
        }

        writer.Write(runtime.Date.Line);
        writer.Write("\r\n"u8);
        if (!head)
        {
            writer.Write(response.Body);
        }

        writer.Commit();
    }
}
