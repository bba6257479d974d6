using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace EdgeGw.Host.Tests;

/// <summary>
/// The executable under a low descriptor limit (prlimit), flooded with more client connections than the limit
/// allows. Out of descriptors the .NET runtime aborts the process ("Out of memory.": a thread it starts cannot
/// open a pipe), so the gateway must stop short of the limit: it pauses accepting (clients wait in the backlog)
/// and refuses new upstream connects with 503, stays up, keeps /metrics reachable, and serves the waiting
/// clients once others leave.
/// </summary>
public sealed class DescriptorLimitTests(ITestOutputHelper output)
{
    private const int Limit = 600;

    [PrlimitTheory]
    [InlineData("epoll")]
    [InlineData("sockets")]
    public async Task ClientsBeyondTheLimit_WaitInTheBacklog_TheProcessSurvives_AndServesThemLater(string transport)
    {
        int refusedPort = RefusedPort();
        string config = $$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "transport": "{{transport}}" },
              "admin": { "listen": ["http://127.0.0.1:0"] },
              "clusters": [ { "name": "up", "destinations": ["127.0.0.1:{{refusedPort}}"], "connectTimeoutMs": 2000 } ],
              "apis": [ { "name": "t", "stages": [ { "name": "p" } ], "routes": [
                { "key": "GET /mock", "integration": { "type": "mock", "status": 200, "body": "ok" } },
                { "key": "GET /up", "integration": { "type": "http", "cluster": "up" } } ] } ]
            }
            """;
        string path = Path.Combine(Path.GetTempPath(), $"edgegw-fd-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, config);
        try
        {
            await using var gateway = GatewayProcess.Start(["--config", path], descriptorLimit: Limit);
            int port = await gateway.WaitForListeningAsync();
            int adminPort = await gateway.WaitForAdminAsync();
            using var admin = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var endpoint = new IPEndPoint(IPAddress.Loopback, port);
            long capacity = await GatewayProbe.MetricAsync(admin, adminPort, "edgegw_descriptor_budget");
            // With the sockets transport, the listener's pending accept holds one unit of the budget.
            long idle = transport == "sockets" ? 1 : 0;
            Assert.InRange(capacity, 100, Limit - 64);

            var sockets = new List<Socket>();
            try
            {
                // Capacity - 1 idle keep-alive connections (each served once, so each is surely accepted) ...
                for (int i = 0; i < capacity - 1; i++)
                {
                    sockets.Add(await GatewayProbe.ConnectAsync(endpoint));
                    Assert.StartsWith("HTTP/1.1 200 ", await ExchangeAsync(sockets[^1], "/p/mock"));
                }

                // ... leave one descriptor: a request that needs an upstream connect finds none and gets 503
                // (a connect attempt would be refused: 502).
                var last = await GatewayProbe.ConnectAsync(endpoint);
                sockets.Add(last);
                Assert.StartsWith("HTTP/1.1 503 ", await ExchangeAsync(last, "/p/up"));
                await GatewayProbe.WaitForMetricAsync(admin, adminPort, "edgegw_descriptor_budget_used", capacity);

                // Over the budget: these connect (the kernel queues them) but are not accepted, so not answered.
                var waiting = new List<Socket>();
                var answers = new List<Task<string>>();
                for (int i = 0; i < 50; i++)
                {
                    waiting.Add(await GatewayProbe.ConnectAsync(endpoint));
                    answers.Add(ExchangeAsync(waiting[^1], "/p/mock"));
                }

                sockets.AddRange(waiting);
                var cpuBefore = ThreadCpuTicks(gateway.Id);
                var window = Stopwatch.StartNew();
                // No signal says "not spinning": watch a bounded window instead. A loop spinning on accept keeps
                // one thread busy for most of it; the busiest thread is measured, not the process, so the
                // runtime's own background work (tiered JIT, GC) on a loaded machine is not taken for a spin.
                await Task.WhenAny(Task.WhenAny(answers), Task.Delay(TimeSpan.FromSeconds(2)));
                window.Stop();
                var (busiest, cpuSeconds) = Busiest(cpuBefore, ThreadCpuTicks(gateway.Id));
                Assert.False(answers.Exists(a => a.IsCompleted), "a client beyond the budget was served while it was spent");
                Assert.Equal(capacity, await GatewayProbe.MetricAsync(admin, adminPort, "edgegw_descriptor_budget_used"));
                Assert.True(cpuSeconds < 0.6, $"thread '{busiest}' of the gateway used {cpuSeconds:F2} CPU-s in {window.Elapsed.TotalSeconds:F1} s while full (spinning on accept?)");

                // 60 leave: the 50 waiting are accepted and answered.
                for (int i = 0; i < 60; i++)
                {
                    sockets[i].Dispose();
                }

                foreach (var answer in answers)
                {
                    Assert.StartsWith("HTTP/1.1 200 ", await answer.WaitAsync(TimeSpan.FromSeconds(30)));
                }

                // With room again, the upstream route is tried for real (and refused).
                Assert.StartsWith("HTTP/1.1 502 ", await ExchangeAsync(waiting[0], "/p/up"));
                output.WriteLine($"{transport}: limit {Limit}, budget {capacity} connections; {cpuSeconds:F2} CPU-s (busiest thread, {busiest}) over {window.Elapsed.TotalSeconds:F1} s while full");
            }
            finally
            {
                foreach (var socket in sockets)
                {
                    socket.Dispose();
                }
            }

            await GatewayProbe.WaitForMetricAsync(admin, adminPort, "edgegw_descriptor_budget_used", idle);
            Assert.DoesNotContain("Out of memory", gateway.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [PrlimitTheory]
    [InlineData("epoll")]
    [InlineData("sockets")]
    public async Task WithTheBudgetSpent_AndAnAdminKeepAlive_Sigterm_StopsWithoutWaitingOutTimeouts(string transport)
    {
        string path = Path.Combine(Path.GetTempPath(), $"edgegw-fd-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, $$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "transport": "{{transport}}", "drainTimeoutSeconds": 60 },
              "admin": { "listen": ["http://127.0.0.1:0"] },
              "apis": [ { "name": "t", "stages": [ { "name": "p" } ], "routes": [
                { "key": "GET /mock", "integration": { "type": "mock", "status": 200, "body": "ok" } } ] } ]
            }
            """);
        var sockets = new List<Socket>();
        try
        {
            await using var gateway = GatewayProcess.Start(["--config", path], descriptorLimit: Limit);
            var endpoint = new IPEndPoint(IPAddress.Loopback, await gateway.WaitForListeningAsync());
            int adminPort = await gateway.WaitForAdminAsync();
            using var admin = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            long capacity = await GatewayProbe.MetricAsync(admin, adminPort, "edgegw_descriptor_budget");
            for (int i = 0; i < capacity; i++)
            {
                sockets.Add(await GatewayProbe.ConnectAsync(endpoint));
                Assert.StartsWith("HTTP/1.1 200 ", await ExchangeAsync(sockets[^1], "/p/mock"));
            }

            // Now the listener waits for the budget, and `admin` keeps its keep-alive connection to the admin API
            // open (as a metrics scraper does). Stopping must end both waits: not sit out the 60 s drain, nor the
            // admin API's 30 s idle timeout.
            var watch = Stopwatch.StartNew();
            gateway.SendSigterm();
            int exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(45));
            watch.Stop();

            output.WriteLine($"{transport}: {capacity} connections open; stopped in {watch.Elapsed.TotalSeconds:F1} s");
            Assert.Equal(0, exitCode);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {watch.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }

            File.Delete(path);
        }
    }

    private static int RefusedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Sends a GET and returns the response head (the bodies here are short and sent with it).</summary>
    private static async Task<string> ExchangeAsync(Socket socket, string path)
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n"), SocketFlags.None);
        var buffer = new byte[4096];
        int filled = 0;
        while (filled < buffer.Length)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
            if (read == 0)
            {
                break;
            }

            filled += read;
            string text = Encoding.ASCII.GetString(buffer, 0, filled);
            int headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd >= 0 && filled >= headEnd + 4 + ContentLength(text[..headEnd]))
            {
                return text;
            }
        }

        return Encoding.ASCII.GetString(buffer, 0, filled);
    }

    private static int ContentLength(string head)
    {
        foreach (string line in head.Split("\r\n"))
        {
            if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase))
            {
                return int.Parse(line.AsSpan("content-length:".Length).Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>User plus system time of the process, in clock ticks (USER_HZ, 100 on Linux).</summary>
    /// <summary>User + system clock ticks (1/100 s) of each thread of process <paramref name="pid"/>, by thread id, with its name.</summary>
    private static Dictionary<int, (string Name, long Ticks)> ThreadCpuTicks(int pid)
    {
        var threads = new Dictionary<int, (string, long)>();
        foreach (string dir in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int open = stat.IndexOf('(');
                int close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                threads[int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture)] = (stat[(open + 1)..close], ticks);
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read.
            }
        }

        return threads;
    }

    private static (string Name, double Seconds) Busiest(Dictionary<int, (string Name, long Ticks)> before, Dictionary<int, (string Name, long Ticks)> after)
    {
        (string Name, double Seconds) busiest = ("none", 0);
        foreach (var (id, thread) in after)
        {
            long start = before.TryGetValue(id, out var earlier) ? earlier.Ticks : 0;
            double seconds = (thread.Ticks - start) / 100.0;
            if (seconds > busiest.Seconds)
            {
                busiest = (thread.Name, seconds);
            }
        }

        return busiest;
    }
}

/// <summary>Runs where prlimit (util-linux) and /proc exist: Linux.</summary>
public sealed class PrlimitTheoryAttribute : TheoryAttribute
{
    public PrlimitTheoryAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "sets a process's descriptor limit with prlimit and reads /proc: Linux only";
        }
        else if (!File.Exists("/usr/bin/prlimit") && !File.Exists("/bin/prlimit"))
        {
            Skip = "prlimit (util-linux) is not installed";
        }
    }
}
