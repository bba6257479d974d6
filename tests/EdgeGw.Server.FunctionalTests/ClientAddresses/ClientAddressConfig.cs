using System.Net;
using System.Net.Sockets;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.ClientAddresses;

/// <summary>A gateway config for the client-address tests, and raw requests that begin with a PROXY protocol header.</summary>
internal static class ClientAddressConfig
{
    /// <summary>
    /// API "t" stage "prod": <c>ANY /echo/{proxy+}</c> to <paramref name="upstream"/> (an echo server), and <c>GET /perip</c>
    /// (mock) with a per-client throttle of 2 requests (burst) at 1 per second.
    /// </summary>
    public static string Json(string upstream, string trustedProxies = "") => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 {{(trustedProxies.Length > 0 ? $", \"trustedProxies\": [{trustedProxies}]" : "")}} },
          "clusters": [ { "name": "up", "destinations": ["{{upstream}}"] } ],
          "apis": [
            { "name": "t", "stages": [ { "name": "prod" } ],
              "routes": [
                { "key": "ANY /echo/{proxy+}", "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /perip", "clientIpThrottle": { "rateLimit": 1, "burstLimit": 2 }, "integration": { "type": "mock", "body": "ip" } }
              ] }
          ]
        }
        """;

    public static byte[] V1(string line) => System.Text.Encoding.ASCII.GetBytes(line + "\r\n");

    public static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>A v2 PROXY header for TCP from <paramref name="source"/> (IPv4 or IPv6) to <paramref name="destination"/>, with a TLV.</summary>
    public static byte[] V2(string source, int sourcePort, string destination, int destinationPort)
    {
        var src = IPAddress.Parse(source);
        var dst = IPAddress.Parse(destination);
        bool v6 = src.AddressFamily == AddressFamily.InterNetworkV6;
        byte[] tlv = [0xE0, 0x00, 0x03, 0x61, 0x62, 0x63];
        byte[] block = [.. src.GetAddressBytes(), .. dst.GetAddressBytes(), (byte)(sourcePort >> 8), (byte)sourcePort, (byte)(destinationPort >> 8), (byte)destinationPort, .. tlv];
        return [.. V2Signature, 0x21, (byte)(v6 ? 0x21 : 0x11), (byte)(block.Length >> 8), (byte)block.Length, .. block];
    }

    /// <summary>A v2 LOCAL header (a health check from the proxy itself): the socket's address stays.</summary>
    public static byte[] V2Local() => [.. V2Signature, 0x20, 0x00, 0x00, 0x00];

    public static byte[] Get(string path, string extraHeaders = "") =>
        System.Text.Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: gw\r\n{extraHeaders}\r\n");

    /// <summary>One request on a new connection that starts with <paramref name="header"/>.</summary>
    public static async Task<RawResponse> SendAsync(TestGateway gateway, byte[] header, string path, string extraHeaders = "")
    {
        await using var client = await gateway.ConnectRawAsync();
        await client.SendAsync([.. header, .. Get(path, extraHeaders)]);
        return await client.ReadResponseAsync();
    }

    /// <summary>True when the gateway closed the connection without answering (a FIN, or a reset for bytes it did not read).</summary>
    public static async Task<bool> ClosedWithoutAnswerAsync(RawClient client)
    {
        try
        {
            return await client.IsClosedByServerAsync();
        }
        catch (IOException)
        {
            return true;
        }
    }

    public static async Task<string> MetricsAsync(TestGateway gateway)
    {
        using var admin = gateway.CreateAdminClient();
        return await admin.GetStringAsync("/metrics");
    }
}
