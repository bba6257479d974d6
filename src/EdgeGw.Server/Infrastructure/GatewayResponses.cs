using System.Text;

namespace EdgeGw.Server.Infrastructure;

/// <summary>The gateway's own responses (errors, not found), pre-encoded: status line, fixed headers and body.</summary>
public static class GatewayResponses
{
    private static readonly Dictionary<int, (byte[] Head, byte[] Body)> s_responses = Build();
    private static readonly Dictionary<int, byte[]> s_messages = BuildMessages();
    private static readonly byte[] s_limitExceededMessage = "Limit Exceeded"u8.ToArray();
    private static readonly (byte[] Head, byte[] Body) s_limitExceeded = (
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: 28\r\n"u8.ToArray(),
        """{"message":"Limit Exceeded"}"""u8.ToArray());

    /// <summary>The built-in answer of <paramref name="type"/> with <paramref name="status"/>: by status, but for QUOTA_EXCEEDED's own text.</summary>
    public static (byte[] Head, byte[] Body) For(int status, EdgeGw.Core.Observability.GatewayErrorType type) =>
        status == 429 && type == EdgeGw.Core.Observability.GatewayErrorType.QuotaExceeded ? s_limitExceeded : For(status);

    public static byte[] Message(int status, EdgeGw.Core.Observability.GatewayErrorType type) =>
        status == 429 && type == EdgeGw.Core.Observability.GatewayErrorType.QuotaExceeded ? s_limitExceededMessage : Message(status);

    /// <summary>Fixed part of the head (status line + content type + length) and the JSON body for <paramref name="status"/>.</summary>
    public static (byte[] Head, byte[] Body) For(int status) =>
        s_responses.TryGetValue(status, out var response) ? response : s_responses[500];

    /// <summary>The <c>message</c> of the JSON body for <paramref name="status"/> (UTF-8), for the access log's <c>$context.error.message</c>.</summary>
    public static byte[] Message(int status) => s_messages.TryGetValue(status, out var message) ? message : s_messages[500];

    private static Dictionary<int, byte[]> BuildMessages()
    {
        var result = new Dictionary<int, byte[]>();
        foreach (int status in s_responses.Keys)
        {
            result[status] = Encoding.UTF8.GetBytes(StatusLines.ReasonPhrase(status));
        }

        return result;
    }

    private static Dictionary<int, (byte[], byte[])> Build()
    {
        var result = new Dictionary<int, (byte[], byte[])>();
        foreach (int status in (int[])[400, 401, 403, 404, 408, 413, 414, 417, 426, 429, 431, 500, 501, 502, 503, 504, 505])
        {
            string reason = StatusLines.ReasonPhrase(status);
            byte[] body = Encoding.UTF8.GetBytes($"{{\"message\":\"{reason}\"}}");
            byte[] head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n");
            result[status] = (head, body);
        }

        return result;
    }
}
