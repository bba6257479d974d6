using System.IO.Pipelines;
using EdgeGw.Core.Cors;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Http1;

namespace EdgeGw.Server.Cors;

/// <summary>
/// The CORS step, first after routing on an API with <c>cors</c>: a preflight (<c>OPTIONS</c> with <c>Origin</c>
/// and <c>Access-Control-Request-Method</c>) is answered here — no authorizer, throttle or backend sees it — with
/// 204 and the allowed origin, methods, headers and max age, or 204 without any CORS header when the origin,
/// method or a header is not allowed (the browser then refuses the actual request). Any other request gets the
/// API's CORS headers on its response, whoever writes it (<see cref="CorsResponseHeaders"/>). One per connection.
/// </summary>
internal sealed class CorsStep
{
    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;
    private readonly CorsResponseHeaders _headers = new();

    public CorsStep(ClientConnection connection, ClientRequest request, ClientResponder responder)
    {
        _connection = connection;
        _request = request;
        _responder = responder;
    }

    /// <summary>Whether the request is a CORS preflight (Fetch: OPTIONS with Origin and Access-Control-Request-Method).</summary>
    public static bool IsPreflight(ClientRequest request) =>
        request.Head.Method == HttpMethod.Options
        && !request.HeaderValue("access-control-request-method"u8).IsEmpty
        && !request.HeaderValue("origin"u8).IsEmpty;

    /// <summary>The method a preflight asks about (its Access-Control-Request-Method), classified as the router does.</summary>
    public static HttpMethod RequestedMethod(ClientRequest request) =>
        HttpRequestParser.ClassifyMethod(request.HeaderValue("access-control-request-method"u8));

    /// <summary>
    /// True for a preflight (answer it with <see cref="AnswerPreflightAsync"/>); otherwise the response will carry
    /// <paramref name="policy"/>'s headers for the request's Origin.
    /// </summary>
    public bool Apply(CorsPolicy policy)
    {
        if (IsPreflight(_request))
        {
            return true;
        }

        _headers.Set(policy, _request.HeaderValue("origin"u8));
        _request.Cors = _headers;
        return false;
    }

    /// <summary>Answers the preflight (204); the head is consumed here. Returns whether the connection stays open.</summary>
    public ValueTask<bool> AnswerPreflightAsync(CorsPolicy policy, bool close)
    {
        if (close)
        {
            _responder.KeepAlive = false;
        }

        var origin = _request.HeaderValue("origin"u8);
        var method = _request.HeaderValue("access-control-request-method"u8);
        var requested = _request.HeaderValue("access-control-request-headers"u8);
        var result = policy.CheckPreflight(origin, method, requested);
        _connection.ExecutionLog?.Write($"CORS preflight: {result}");
        ref var record = ref _request.Record;
        record.Status = 204;
        record.ResponseLength = 0;
        var writer = new BufferWriter<PipeWriter>(_responder.Output);
        writer.Write("HTTP/1.1 204 No Content\r\n"u8);
        if (result == CorsPreflightResult.Allowed)
        {
            CorsResponseHeaders.WriteAllowOrigin(ref writer, policy, origin);
            if (policy.AnyMethod)
            {
                writer.WriteHeader("Access-Control-Allow-Methods"u8, method);
            }
            else
            {
                writer.Write(policy.AllowMethodsLine!);
            }

            if (policy.AnyHeader)
            {
                if (!requested.IsEmpty)
                {
                    // Echoed rather than '*': a credentialed preflight takes '*' literally, and it never covers Authorization.
                    writer.WriteHeader("Access-Control-Allow-Headers"u8, requested);
                }
            }
            else if (policy.AllowHeadersLine is { } allowHeaders)
            {
                writer.Write(allowHeaders);
            }

            if (policy.MaxAgeLine is { } maxAge)
            {
                writer.Write(maxAge);
            }
        }

        if (policy.VaryByOrigin)
        {
            writer.Write(CorsPolicy.VaryLine);
        }

        // The head's values were written above: now it can go back to the pipe.
        _request.ConsumeHead();
        return _responder.EndGatewayResponseAsync(ref writer, default);
    }
}
