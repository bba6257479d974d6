using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace EdgeGw.Host.Tests;

/// <summary>
/// Ten thousand keep-alive client connections held open at once against the real executable (its own process,
/// so each side has its own descriptor table): every connection is served, twice, while all are open; the
/// gateway's resident memory stays bounded; its connection gauge returns to zero when the clients leave.
/// </summary>
public sealed class ManyConnectionsTests(ITestOutputHelper output)
{
    private const int Connections = 10_000;

    /// <summary>Resident-set ceiling for the gateway holding the connections (the performance issue's target).</summary>
    private const long MaxRssBytes = 200L * 1024 * 1024;

    private static readonly byte[] Request = "GET /demo/hello HTTP/1.1\r\nHost: edgegw\r\n\r\n"u8.ToArray();

    [ManyDescriptorsFact(Connections + 1_000)]
    public async Task TenThousandKeepAliveConnections_AreAllServed_WithBoundedMemory()
    {
        await using var gateway = GatewayProcess.Start(["--server:listen:0=http://127.0.0.1:0"]);
        int port = await gateway.WaitForListeningAsync();
        int adminPort = await gateway.WaitForAdminAsync();
        using var admin = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);

        // Warm the process up (JIT, pools) so the baseline is a serving gateway, not a cold one.
        using (var warm = await GatewayProbe.ConnectAsync(endpoint))
        {
            await ExchangeAsync(warm, new byte[4096]);
        }

        await GatewayProbe.WaitForMetricAsync(admin, adminPort, "edgegw_connections_active", 0);
        long baselineRss = ResidentBytes(gateway.Id);

        var sockets = new Socket[Connections];
        try
        {
            var opening = Stopwatch.StartNew();
            await ForEachAsync(sockets.Length, async (i, buffer) =>
            {
                sockets[i] = await GatewayProbe.ConnectAsync(endpoint);
                await ExchangeAsync(sockets[i], buffer);
            });
            opening.Stop();

            Assert.Equal(Connections, await GatewayProbe.MetricAsync(admin, adminPort, "edgegw_connections_active"));
            long heldRss = ResidentBytes(gateway.Id);

            // Every connection is still alive and served again, with all of them open.
            var second = Stopwatch.StartNew();
            await ForEachAsync(sockets.Length, (i, buffer) => ExchangeAsync(sockets[i], buffer));
            second.Stop();
            long peakRss = Math.Max(heldRss, ResidentBytes(gateway.Id));

            double perConnection = (double)(heldRss - baselineRss) / Connections;
            output.WriteLine(
                $"{Connections:N0} connections opened and served in {opening.Elapsed.TotalSeconds:F1} s, served again in {second.Elapsed.TotalSeconds:F1} s; " +
                $"gateway RSS {Mib(baselineRss)} MiB idle → {Mib(heldRss)} MiB holding them ({perConnection:N0} B per connection), peak {Mib(peakRss)} MiB");
            Assert.True(peakRss < MaxRssBytes, $"gateway RSS {Mib(peakRss)} MiB holding {Connections:N0} connections (limit {Mib(MaxRssBytes)} MiB)");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket?.Dispose();
            }
        }

        await GatewayProbe.WaitForMetricAsync(admin, adminPort, "edgegw_connections_active", 0);
    }

    /// <summary>Sends one request and reads exactly one 200 response (head and Content-Length body) off the connection.</summary>
    private static async Task ExchangeAsync(Socket socket, byte[] buffer)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.SendAsync(Request, SocketFlags.None, timeout.Token);
        int filled = 0;
        int expected = -1;
        while (expected < 0 || filled < expected)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                throw new IOException($"the gateway closed a keep-alive connection after {filled} bytes");
            }

            filled += read;
            if (expected < 0)
            {
                expected = ResponseLength(buffer.AsSpan(0, filled));
            }
        }

        Assert.True(buffer.AsSpan().StartsWith("HTTP/1.1 200 "u8), Encoding.ASCII.GetString(buffer, 0, Math.Min(filled, 200)));
        Assert.Equal(expected, filled);
    }

    /// <summary>Head plus Content-Length once the head is complete; -1 before.</summary>
    private static int ResponseLength(ReadOnlySpan<byte> received)
    {
        int headEnd = received.IndexOf("\r\n\r\n"u8);
        if (headEnd < 0)
        {
            return -1;
        }

        var head = received[..headEnd];
        ReadOnlySpan<byte> name = "\r\ncontent-length:"u8;
        for (int i = 0; i + name.Length <= head.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(head.Slice(i, name.Length), name))
            {
                var value = head[(i + name.Length)..];
                int lineEnd = value.IndexOf("\r\n"u8);
                value = (lineEnd < 0 ? value : value[..lineEnd]).Trim((byte)' ');
                Assert.True(Utf8Parser.TryParse(value, out int length, out _), "bad Content-Length");
                return headEnd + 4 + length;
            }
        }

        throw new InvalidDataException("the demo response has no Content-Length");
    }

    /// <summary>Runs <paramref name="body"/> for 0..count-1 with a bounded number in flight, each worker with its own buffer.</summary>
    private static Task ForEachAsync(int count, Func<int, byte[], Task> body)
    {
        int next = -1;
        var workers = new Task[256];
        for (int w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                var buffer = new byte[4096];
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    await body(i, buffer);
                }
            });
        }

        return Task.WhenAll(workers);
    }

    private static long ResidentBytes(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidDataException("no VmRSS");
    }

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("F1", CultureInfo.InvariantCulture);
}

/// <summary>A fact that skips, saying why, when this process may not open enough descriptors (see <c>ulimit -n</c>).</summary>
public sealed class ManyDescriptorsFactAttribute : FactAttribute
{
    public ManyDescriptorsFactAttribute(int descriptors)
    {
        long limit = OpenFilesLimit();
        if (!OperatingSystem.IsLinux())
        {
            Skip = "reads /proc: Linux only";
        }
        else if (limit < descriptors)
        {
            Skip = $"needs {descriptors:N0} open files, ulimit -n is {limit:N0} (.ci/run raises it)";
        }
    }

    private static long OpenFilesLimit()
    {
        if (!File.Exists("/proc/self/limits"))
        {
            return 0;
        }

        foreach (string line in File.ReadLines("/proc/self/limits"))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                string soft = line["Max open files".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return soft == "unlimited" ? long.MaxValue : long.Parse(soft, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
