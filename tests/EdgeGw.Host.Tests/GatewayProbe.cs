using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace EdgeGw.Host.Tests;

/// <summary>What the host tests ask a running gateway: raw loopback connections and its /metrics gauges.</summary>
internal static class GatewayProbe
{
    /// <summary>A TCP connection (NoDelay) to <paramref name="endpoint"/>, within 30 s.</summary>
    public static async Task<Socket> ConnectAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await socket.ConnectAsync(endpoint, timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The value of the metric <paramref name="name"/> on the admin API at <paramref name="adminPort"/>.</summary>
    public static async Task<long> MetricAsync(HttpClient admin, int adminPort, string name)
    {
        string metrics = await admin.GetStringAsync(new Uri($"http://127.0.0.1:{adminPort}/metrics"));
        foreach (string line in metrics.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(name.Length + 1).Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidDataException($"no {name} in /metrics:\n{metrics}");
    }

    /// <summary>Gauges follow closes asynchronously (the server notices each FIN): poll until it settles, for up to 30 s.</summary>
    public static async Task WaitForMetricAsync(HttpClient admin, int adminPort, string name, long expected)
    {
        var deadline = Stopwatch.StartNew();
        long value;
        while ((value = await MetricAsync(admin, adminPort, name)) != expected)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"{name} stayed at {value}, expected {expected}");
            await Task.Delay(50);
        }
    }
}
