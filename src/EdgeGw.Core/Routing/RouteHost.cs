namespace EdgeGw.Core.Routing;

/// <summary>Host header values as the route table compares them.</summary>
internal static class RouteHost
{
    /// <summary>The host name of a Host header value: port, IPv6 brackets' port and one trailing dot removed.</summary>
    public static ReadOnlySpan<byte> Name(ReadOnlySpan<byte> host)
    {
        if (!host.IsEmpty && host[0] == (byte)'[')
        {
            int close = host.IndexOf((byte)']');
            return close < 0 ? host : host[..(close + 1)];
        }

        int colon = host.IndexOf((byte)':');
        if (colon >= 0)
        {
            host = host[..colon];
        }

        return host.EndsWith("."u8) ? host[..^1] : host;
    }
}
