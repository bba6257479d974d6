namespace EdgeGw.Server.Admin;

/// <summary>One admin request as read off the wire (strings: the admin API is off the request path).</summary>
internal sealed class AdminRequest
{
    public string Method { get; init; } = "";
    /// <summary>Raw path as sent (not percent-decoded).</summary>
    public string Path { get; init; } = "";
    /// <summary>Raw query including its '?', or empty.</summary>
    public string Query { get; init; } = "";
    public bool KeepAlive { get; init; }
    /// <summary>The Accept header asked for <c>application/openmetrics-text</c> (for <c>/metrics</c>).</summary>
    public bool OpenMetrics { get; init; }
    public byte[]? Body { get; set; }
    /// <summary>Set when the request could not be read; the connection closes after the answer.</summary>
    public int? Error { get; init; }
}
