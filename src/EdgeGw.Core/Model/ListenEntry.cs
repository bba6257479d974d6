namespace EdgeGw.Core.Model;

/// <summary>
/// One gateway listener (<c>server.listen[i]</c>): its URL and whether connections start with a PROXY protocol
/// header (v1 or v2) that names the real client, read within <see cref="ProxyProtocolTimeout"/>.
/// </summary>
public sealed record ListenEntry(string Url, bool ProxyProtocol = false, TimeSpan ProxyProtocolTimeout = default)
{
    public const int DefaultProxyProtocolTimeoutSeconds = 5;

    /// <summary>A plain listener (no PROXY protocol).</summary>
    public static ListenEntry Plain(string url) => new(url, false, TimeSpan.FromSeconds(DefaultProxyProtocolTimeoutSeconds));

    public override string ToString() => ProxyProtocol ? $"{Url} (PROXY protocol)" : Url;
}
