using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

// WebSocket API load scenario. Starts an integration backend (here, on this process's CPU), starts the gateway
// as its own process pinned to another CPU, connects N clients, then has every client send M messages one at a
// time through two routes: "echo" (the integration's answer comes back as the route response) and "push" (the
// backend answers through the gateway's @connections API). Each reply must be the client's own message: a reply
// carrying another client's or another sequence number's payload is misrouted; one that does not come within
// the timeout is lost. Writes a Markdown report.
var options = Options.Parse(args);
var invariant = CultureInfo.InvariantCulture;

using var adminClient = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 256, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
{
    Timeout = TimeSpan.FromSeconds(30),
};

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.BackendPort));
var backend = builder.Build();
backend.Run(async context =>
{
    using var body = new MemoryStream();
    await context.Request.Body.CopyToAsync(body);
    if (context.Request.Path == "/echo")
    {
        await context.Response.Body.WriteAsync(body.ToArray());
        return;
    }

    if (context.Request.Path == "/push")
    {
        string id = context.Request.Headers["X-EdgeGw-Connection-Id"].ToString();
        using var content = new ByteArrayContent(body.ToArray());
        using var push = await adminClient.PostAsync($"http://127.0.0.1:{options.AdminPort}/@connections/{id}", content);
        context.Response.StatusCode = push.IsSuccessStatusCode ? 200 : 502;
    }
});
await backend.StartAsync();

string configPath = Path.Combine(Path.GetTempPath(), $"edgegw-wsload-{Environment.ProcessId}.json");
await File.WriteAllTextAsync(configPath, $$"""
{
  "server": { "listen": ["http://127.0.0.1:{{options.GatewayPort}}"], "drainTimeoutSeconds": 2 },
  "admin": { "listen": ["http://127.0.0.1:{{options.AdminPort}}"] },
  "clusters": [ { "name": "backend", "destinations": ["127.0.0.1:{{options.BackendPort}}"], "maxConnectionsPerDestination": {{options.PoolSize}} } ],
  "apis": [ { "name": "load", "protocol": "websocket", "stages": [ { "name": "ws" } ],
    "routes": [
      { "key": "echo", "routeResponse": true, "integration": { "type": "http", "cluster": "backend", "uri": "/echo" } },
      { "key": "push", "integration": { "type": "http", "cluster": "backend", "uri": "/push" } } ] } ]
}
""");

var gatewayStart = new ProcessStartInfo("taskset", ["-c", options.GatewayCpu, "dotnet", options.GatewayDll, "--config", configPath])
{
    RedirectStandardOutput = true,
    RedirectStandardError = true,
};
gatewayStart.Environment["DOTNET_gcServer"] = "1";
using var gateway = Process.Start(gatewayStart)!;
var stats = new GatewayStats(gateway);
gateway.OutputDataReceived += (_, e) => stats.OnLine(e.Data);
gateway.ErrorDataReceived += (_, e) => stats.OnLine(e.Data);
gateway.BeginOutputReadLine();
gateway.BeginErrorReadLine();
try
{
    await WaitForPortAsync(options.GatewayPort);
    var uri = new Uri($"ws://127.0.0.1:{options.GatewayPort}/ws");
    await using (var warm = await Client.ConnectAsync(uri))
    {
        await warm.RoundTripAsync("""{"action":"echo","c":-1,"s":0}""", TimeSpan.FromSeconds(10));
    }

    long rssBefore = Memory.Rss(gateway.Id);
    var connectClock = Stopwatch.StartNew();
    var clients = new Client[options.Clients];
    using (var gate = new SemaphoreSlim(200))
    {
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                clients[i] = await Client.ConnectAsync(uri);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    var connectTime = connectClock.Elapsed;
    // Let the gateway settle (thread pool, GC) before reading what the idle connections cost.
    await Task.Delay(TimeSpan.FromSeconds(3));
    long rssIdle = Memory.Rss(gateway.Id);
    if (options.IdleHoldSeconds > 0)
    {
        // Time to inspect the idle gateway by hand (e.g. dotnet-gcdump collect -p <pid>).
        Console.WriteLine($"gateway pid {gateway.Id}: holding {options.Clients} idle connections for {options.IdleHoldSeconds} s");
        await Task.Delay(TimeSpan.FromSeconds(options.IdleHoldSeconds));
    }

    var phases = new List<PhaseResult>();
    foreach (string route in (string[])["echo", "push"])
    {
        long allocatedBefore = await stats.AllocatedBytesAsync();
        var phase = await RunPhaseAsync(route, clients, options.Messages, TimeSpan.FromSeconds(options.ReplyTimeoutSeconds));
        long allocatedAfter = await stats.AllocatedBytesAsync();
        phases.Add(phase with { AllocatedPerMessage = (allocatedAfter - allocatedBefore) / (double)phase.Sent });
    }

    long rssPeak = Memory.PeakRss(gateway.Id);
    foreach (var client in clients)
    {
        await client.DisposeAsync();
    }

    var report = new StringBuilder();
    report.AppendLine(invariant, $"# WebSocket API load — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    report.AppendLine();
    report.AppendLine(invariant, $"Command: `loadtests/websocket.sh` (CLIENTS={options.Clients}, MESSAGES={options.Messages}). Gateway: Release, Server GC, `taskset -c {options.GatewayCpu}`; " +
        $"clients and the integration backend (Kestrel, this process) on the other CPU. Loopback only.");
    report.AppendLine();
    report.AppendLine(invariant, $"- {options.Clients:N0} clients connected in {connectTime.TotalSeconds:F1} s.");
    report.AppendLine(invariant, $"- Gateway RSS: {rssBefore / 1048576.0:F1} MB before, {rssIdle / 1048576.0:F1} MB with {options.Clients:N0} idle connections " +
        $"(**{(rssIdle - rssBefore) / (double)options.Clients:F0} bytes per idle connection**, kernel socket buffers not included), peak {rssPeak / 1048576.0:F1} MB.");
    report.AppendLine();
    report.AppendLine("| Route | Messages | Messages/s | p50 round trip | p99 round trip | max | Gateway bytes allocated per message | Lost | Misrouted | Error replies |");
    report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var phase in phases)
    {
        report.AppendLine(invariant, $"| {phase.Route} | {phase.Sent:N0} | {phase.Sent / phase.Elapsed.TotalSeconds:N0} | {phase.P50:F2} ms | {phase.P99:F2} ms | {phase.Max:F1} ms | {phase.AllocatedPerMessage:F0} | {phase.Lost} | {phase.Misrouted} | {phase.Failed} |");
    }

    report.AppendLine();
    report.AppendLine(invariant, $"Integration cluster: `maxConnectionsPerDestination` {options.PoolSize}. Error replies are the gateway's own `{{\"message\":…}}` answers (integration unreachable, timed out, or out of pooled connections).");
    report.AppendLine("`echo`: the integration's answer is the route response. `push`: the backend answers 200 and sends the message back with `POST /@connections/{id}` on the admin port.");
    Console.Write(report.ToString());
    if (options.Output is { } output)
    {
        await File.WriteAllTextAsync(output, report.ToString());
    }

    return phases.Sum(p => p.Lost + p.Misrouted + p.Failed) == 0 ? 0 : 1;
}
finally
{
    if (!gateway.HasExited)
    {
        gateway.Kill(entireProcessTree: true);
    }

    await backend.StopAsync();
    File.Delete(configPath);
}

static async Task<PhaseResult> RunPhaseAsync(string route, Client[] clients, int messages, TimeSpan timeout)
{
    var samples = new double[clients.Length * messages];
    long lost = 0;
    long misrouted = 0;
    long failed = 0;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(clients.Select((client, c) => Task.Run(async () =>
    {
        for (int s = 0; s < messages; s++)
        {
            string message = $$"""{"action":"{{route}}","c":{{c}},"s":{{s}}}""";
            var (reply, elapsed) = await client.RoundTripAsync(message, timeout);
            samples[c * messages + s] = elapsed.TotalMilliseconds;
            if (reply is null)
            {
                Interlocked.Increment(ref lost);
                return;
            }

            if (reply != message)
            {
                // The gateway's own error message (integration unreachable or out of connections) is a failure, not a mix-up.
                Interlocked.Increment(ref reply.StartsWith("{\"message\":", StringComparison.Ordinal) ? ref failed : ref misrouted);
            }
        }
    })));
    var elapsed = clock.Elapsed;
    Array.Sort(samples);
    return new PhaseResult(route, clients.Length * messages, elapsed, samples[samples.Length / 2], samples[(int)(samples.Length * 0.99)], samples[^1], lost, misrouted, failed);
}

static async Task WaitForPortAsync(int port)
{
    var deadline = Stopwatch.StartNew();
    while (deadline.Elapsed < TimeSpan.FromSeconds(30))
    {
        try
        {
            using var probe = new System.Net.Sockets.TcpClient();
            await probe.ConnectAsync(IPAddress.Loopback, port);
            return;
        }
        catch (System.Net.Sockets.SocketException)
        {
            await Task.Delay(100);
        }
    }

    throw new TimeoutException($"The gateway did not listen on {port} within 30 s.");
}

internal sealed record PhaseResult(string Route, long Sent, TimeSpan Elapsed, double P50, double P99, double Max, long Lost, long Misrouted, long Failed)
{
    public double AllocatedPerMessage { get; init; }
}

/// <summary>Reads the gateway's allocation counter: SIGUSR2 makes it print an <c>edgegw: stats</c> line.</summary>
internal sealed class GatewayStats(Process gateway)
{
    private TaskCompletionSource<long>? _next;

    public void OnLine(string? line)
    {
        const string marker = "allocated_bytes=";
        if (line is null || !line.Contains("edgegw: stats", StringComparison.Ordinal))
        {
            return;
        }

        int start = line.IndexOf(marker, StringComparison.Ordinal) + marker.Length;
        int end = line.IndexOf(' ', start);
        _next?.TrySetResult(long.Parse(line[start..(end < 0 ? line.Length : end)], CultureInfo.InvariantCulture));
    }

    public async Task<long> AllocatedBytesAsync()
    {
        _next = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (var kill = Process.Start("kill", ["-USR2", gateway.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        return await _next.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}

internal sealed record Options(int Clients, int Messages, int GatewayPort, int AdminPort, int BackendPort, string GatewayCpu, string GatewayDll, int ReplyTimeoutSeconds, string? Output, int IdleHoldSeconds, int PoolSize)
{
    public static Options Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            int i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        return new Options(Int("clients", 5000), Int("messages", 20), Int("gateway-port", 19201), Int("admin-port", 19202), Int("backend-port", 19203),
            Get("gateway-cpu", "0"), Get("gateway-dll", "src/EdgeGw/bin/Release/net10.0/edgegw.dll"), Int("reply-timeout", 30), args.Contains("--output") ? Get("output", "") : null,
            Int("idle-hold", 0), Int("pool", 8192));
    }
}

/// <summary>One WebSocket client; a round trip sends one text message and waits for the next message back.</summary>
internal sealed class Client : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly byte[] _buffer = new byte[4096];

    private Client(ClientWebSocket socket) => _socket = socket;

    public static async Task<Client> ConnectAsync(Uri uri)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(uri, timeout.Token);
        return new Client(socket);
    }

    public async Task<(string? Reply, TimeSpan Elapsed)> RoundTripAsync(string message, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, timeout.Token);
            int length = 0;
            ValueWebSocketReceiveResult part;
            do
            {
                part = await _socket.ReceiveAsync(_buffer.AsMemory(length), timeout.Token);
                length += part.Count;
            }
            while (!part.EndOfMessage && length < _buffer.Length);
            return (Encoding.UTF8.GetString(_buffer, 0, length), clock.Elapsed);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            return (null, clock.Elapsed);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // Best effort at the end of the run.
        }

        _socket.Dispose();
    }
}

internal static class Memory
{
    public static long Rss(int pid) => Read(pid, "VmRSS:");

    public static long PeakRss(int pid) => Read(pid, "VmHWM:");

    // taskset execs dotnet in place, so the pid is the gateway's own.
    private static long Read(int pid, string field)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
