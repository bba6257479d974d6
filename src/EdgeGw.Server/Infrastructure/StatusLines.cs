using System.Text;

namespace EdgeGw.Server.Infrastructure;

/// <summary>Pre-encoded status lines and the gateway's own JSON error bodies.</summary>
public static class StatusLines
{
    private static readonly byte[][] s_lines = Build();

    /// <summary><c>HTTP/1.1 200 OK\r\n</c> for any status 100..599 (unknown codes get an empty reason).</summary>
    public static ReadOnlySpan<byte> For(int status) => (uint)(status - 100) < 500 ? s_lines[status - 100] : s_lines[500 - 100];

    public static string ReasonPhrase(int status) => status switch
    {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        413 => "Request Entity Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        417 => "Expectation Failed",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => string.Empty,
    };

    private static byte[][] Build()
    {
        var lines = new byte[500][];
        for (int status = 100; status < 600; status++)
        {
            lines[status - 100] = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {ReasonPhrase(status)}\r\n");
        }

        return lines;
    }
}
