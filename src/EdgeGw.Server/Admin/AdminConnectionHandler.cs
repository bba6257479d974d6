using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using EdgeGw.Protocols.Http1;
using Microsoft.AspNetCore.Connections;

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

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        try
        {
            while (true)
            {
                using var idle = new CancellationTokenSource(IdleTimeout, runtime.Time);
                var request = await ReadRequestAsync(input, idle.Token).ConfigureAwait(false);
                if (request is null)
                {
                    return;
                }

                var response = request.Error is { } status ? AdminResponse.Error(status, "malformed request") : _api.Handle(request);
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

    private static async ValueTask<AdminRequest?> ReadRequestAsync(PipeReader input, CancellationToken cancellation)
    {
        var scanner = default(HeadScanner);
        while (true)
        {
            var result = await input.ReadAsync(cancellation).ConfigureAwait(false);
            var buffer = result.Buffer;
            var status = scanner.Scan(buffer, HeadLimits.Default, out long headLength, out var scanError);
            if (status == HeadScanStatus.Error)
            {
                input.AdvanceTo(buffer.End);
                return new AdminRequest { Error = scanError.ToStatusCode() };
            }

            if (status == HeadScanStatus.NeedMoreData)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return null;
                }

                continue;
            }

            var headSequence = buffer.Slice(scanner.HeadStart, headLength);
            byte[] head = headSequence.ToArray();
            var headers = default(NullHeadersHandler);
            var parseError = HttpRequestParser.Parse(head, ref headers, out var parsed);
            if (parseError != HttpParseError.None)
            {
                input.AdvanceTo(buffer.End);
                return new AdminRequest { Error = parseError.ToStatusCode() };
            }

            var request = new AdminRequest
            {
                Method = Encoding.ASCII.GetString(parsed.MethodToken(head)),
                Path = Encoding.ASCII.GetString(parsed.Path(head)),
                Query = Encoding.ASCII.GetString(parsed.Query(head)),
                KeepAlive = parsed.KeepAlive,
            };

            if (parsed.Body == BodyKind.None)
            {
                input.AdvanceTo(headSequence.End);
                return request;
            }

            if (parsed.Body == BodyKind.ContentLength && parsed.ContentLength > MaxBodyBytes)
            {
                input.AdvanceTo(buffer.End);
                return new AdminRequest { Error = 413 };
            }

            input.AdvanceTo(headSequence.End);
            request.Body = parsed.Body == BodyKind.Chunked
                ? await ReadChunkedBodyAsync(input, cancellation).ConfigureAwait(false)
                : await ReadBodyAsync(input, (int)parsed.ContentLength, cancellation).ConfigureAwait(false);
            return request.Body is null ? new AdminRequest { Error = 400 } : request;
        }
    }

    /// <summary>A chunked body (HttpClient's JSON content uses one), bounded like a Content-Length body.</summary>
    private static async ValueTask<byte[]?> ReadChunkedBodyAsync(PipeReader input, CancellationToken cancellation)
    {
        var decoder = new ChunkedDecoder(HeadLimits.Default.MaxHeaderBytes);
        var body = new ArrayBufferWriter<byte>();
        while (true)
        {
            var result = await input.ReadAsync(cancellation).ConfigureAwait(false);
            var reader = new SequenceReader<byte>(result.Buffer);
            var status = ChunkedStatus.NeedMoreData;
            while (true)
            {
                status = decoder.Read(ref reader, out var data, out _);
                if (status != ChunkedStatus.Data)
                {
                    break;
                }

                if (body.WrittenCount + data.Length > MaxBodyBytes)
                {
                    status = ChunkedStatus.Error;
                    break;
                }

                foreach (var segment in data)
                {
                    body.Write(segment.Span);
                }
            }

            input.AdvanceTo(reader.Position, result.Buffer.End);
            if (status == ChunkedStatus.Complete)
            {
                return body.WrittenSpan.ToArray();
            }

            if (status == ChunkedStatus.Error || result.IsCompleted)
            {
                return null;
            }
        }
    }

    private static async ValueTask<byte[]?> ReadBodyAsync(PipeReader input, int length, CancellationToken cancellation)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellation).ConfigureAwait(false);
            if (result.Buffer.Length >= length)
            {
                var body = result.Buffer.Slice(0, length);
                byte[] bytes = body.ToArray();
                input.AdvanceTo(body.End);
                return bytes;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    private void WriteResponse(PipeWriter output, AdminResponse response, bool head, bool keepAlive)
    {
        var text = new StringBuilder();
        text.Append("HTTP/1.1 ").Append(response.Status).Append(' ').Append(ReasonPhrase(response.Status)).Append("\r\n");
        text.Append("Content-Type: ").Append(response.ContentType).Append("\r\n");
        text.Append("Content-Length: ").Append(response.Body.Length).Append("\r\n");
        text.Append("Cache-Control: no-store\r\n");
        if (!keepAlive)
        {
            text.Append("Connection: close\r\n");
        }

        output.Write(Encoding.ASCII.GetBytes(text.ToString()));
        output.Write(runtime.Date.Line);
        output.Write("\r\n"u8);
        if (!head)
        {
            output.Write(response.Body);
        }
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };
}
