using EdgeGw.Protocols.WebSockets;
using EdgeGw.Server.WebSockets;

namespace EdgeGw.Server.Admin;

/// <summary>
/// The @connections API, as AWS's API Gateway Management API (so boto3's <c>apigatewaymanagementapi</c> client
/// and the AWS CLI work against it unchanged): <c>POST</c> sends the body to the client as one message (text
/// when it is UTF-8, else binary), <c>GET</c> describes the connection (<c>connectedAt</c>, <c>identity</c>,
/// <c>lastActiveAt</c>), <c>DELETE</c> closes it (204). An unknown or closing connection is 410
/// <c>GoneException</c>, a message over the API's limit 413 <c>PayloadTooLargeException</c>, a client whose send
/// buffer is full 429 <c>LimitExceededException</c>; the type goes in <c>x-amzn-ErrorType</c>, the body is
/// <c>{"message":...}</c>. The path may carry a prefix (<c>/{stage}</c> or <c>/{api}/{stage}</c>, as an AWS
/// endpoint URL does); ids are unique across APIs, so it is not needed. In cluster mode a connection another
/// instance holds is served there (<see cref="ConnectionRelay"/>, from <see cref="HandleAsync"/>); the pushes
/// of local connections take the fast path in <see cref="AdminConnectionHandler"/>.
/// </summary>
internal sealed partial class AdminApi
{
    internal const string GoneMessage = "no such connection (closed, or never existed)";
    internal const string FullMessage = "the client is not reading: its send buffer is full";

    /// <summary>At most this many segments before <c>@connections</c>.</summary>
    private const int MaxConnectionPrefix = 2;

    /// <summary>The percent-decoded id of a <c>[/{prefix}]/@connections/{id}</c> path.</summary>
    internal static bool TryConnectionPath(string[] segments, out string id)
    {
        id = "";
        if (segments.Length < 2 || segments.Length > MaxConnectionPrefix + 2 || segments[^2] != "@connections")
        {
            return false;
        }

        try
        {
            id = Uri.UnescapeDataString(segments[^1]);
        }
        catch (UriFormatException)
        {
            return false;
        }

        return id.Length > 0;
    }

    /// <summary>One @connections call for a connection of this instance (also run here for a call made on another instance).</summary>
    internal static AdminResponse LocalConnection(WebSocketRegistry registry, string method, string id, ReadOnlySpan<byte> body)
    {
        if (method is not ("POST" or "GET" or "DELETE"))
        {
            return NotAllowed();
        }

        if (!registry.TryGet(id, out var session) || session.IsClosing)
        {
            return AdminResponse.Error(410, "GoneException", GoneMessage);
        }

        switch (method)
        {
            case "POST":
                if (body.Length > session.Api.Limits.MaxMessageBytes)
                {
                    return TooLarge(session);
                }

                var type = System.Text.Unicode.Utf8.IsValid(body) ? WebSocketOpcode.Text : WebSocketOpcode.Binary;
                return session.TrySend(type, body) switch
                {
                    WebSocketSendResult.Sent => Sent,
                    WebSocketSendResult.Full => AdminResponse.Error(429, "LimitExceededException", FullMessage),
                    _ => AdminResponse.Error(410, "GoneException", "the connection is closing"),
                };
            case "GET":
                var time = registry.Time;
                var lastActive = time.GetUtcNow() - time.GetElapsedTime(session.LastActiveTimestamp);
                return AdminResponse.Json(200, new
                {
                    connectedAt = session.ConnectedAt,
                    identity = new { sourceIp = session.SourceIp, userAgent = session.UserAgent },
                    lastActiveAt = lastActive,
                    // EdgeGw's own, beside AWS's fields.
                    connectionId = session.Id,
                    api = session.Api.ApiName,
                    stage = session.Api.StageName,
                    sourceIp = session.SourceIp,
                });
            default:
                session.TryClose(WebSocketCloseCode.Normal, "Closed by the @connections API"u8);
                return Deleted;
        }
    }

    internal static readonly AdminResponse Sent = new(200, "application/json", "{}"u8.ToArray());
    private static readonly AdminResponse Deleted = new(204, "application/json", []);

    internal static AdminResponse TooLarge(WebSocketSession session) =>
        AdminResponse.Error(413, "PayloadTooLargeException", $"a message may carry at most {session.Api.Limits.MaxMessageBytes} bytes");
}
