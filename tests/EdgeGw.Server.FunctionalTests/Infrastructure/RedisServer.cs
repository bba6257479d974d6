using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>A real <c>redis-server</c> on a free loopback port, without persistence, stopped on dispose.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    internal const string MissingMessage = "redis-server is not installed (apt-get install redis-server; .ci/run installs it)";

    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>The server speaks TLS only (<see cref="StartTlsAsync"/>): clients need <c>ssl=true</c>.</summary>
    public bool Tls { get; private set; }
    public string Configuration => Tls ? $"127.0.0.1:{Port},ssl=true" : $"127.0.0.1:{Port}";

    internal static string? Executable { get; } = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    /// <summary>A free port with nothing listening yet (for tests that start Redis later).</summary>
    public static RedisServer Reserve()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return new RedisServer(((IPEndPoint)probe.LocalEndpoint).Port);
    }

    public static async Task<RedisServer> StartAsync()
    {
        var server = Reserve();
        await server.RunAsync();
        return server;
    }

    /// <summary>Starts the server and waits until it answers PING.</summary>
    public Task RunAsync() => RunAsync([]);

    /// <summary>Starts a replica of <paramref name="primary"/> (it answers PING before its first sync).</summary>
    public static async Task<RedisServer> StartReplicaAsync(RedisServer primary)
    {
        var server = Reserve();
        await server.RunAsync(["--replicaof", "127.0.0.1", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return server;
    }

    /// <summary>
    /// A TLS-only server (no plain port) with <paramref name="certFile"/>/<paramref name="keyFile"/>, trusting client
    /// certificates issued by <paramref name="caFile"/>; <paramref name="authClients"/> "yes" requires one, "no" does not.
    /// Ready once it logs that it accepts connections (a plain PING cannot reach it).
    /// </summary>
    public static async Task<RedisServer> StartTlsAsync(string certFile, string keyFile, string caFile, string authClients)
    {
        var server = Reserve();
        server.Tls = true;
        string port = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await server.RunAsync(["--port", "0", "--tls-port", port, "--tls-cert-file", certFile, "--tls-key-file", keyFile,
            "--tls-ca-cert-file", caFile, "--tls-auth-clients", authClients]);
        return server;
    }

    /// <summary>Starts the server with <paramref name="extra"/> arguments and waits until it answers PING.</summary>
    public async Task RunAsync(string[] extra)
    {
        var info = new ProcessStartInfo(Executable ?? throw new InvalidOperationException(MissingMessage))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (string arg in extra)
        {
            info.ArgumentList.Add(arg);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                log.Enqueue(line);
                if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            }
        };
        _process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("redis-server exited: " + string.Join(" | ", log)));
        _process.EnableRaisingEvents = true;
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        if (Tls)
        {
            await ready.Task.WaitAsync(timeout.Token);
            return;
        }

        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
                var buffer = new byte[16];
                int read = await stream.ReadAsync(buffer, timeout.Token);
                if (read >= 5 && buffer.AsSpan(0, 5).SequenceEqual("+PONG"u8))
                {
                    return;
                }
            }
            catch (SocketException)
            {
                await Task.Delay(20, timeout.Token);
            }
        }
    }

    /// <summary>Kills the server (it keeps nothing: a restart on the same port starts empty).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }
}

/// <summary>A fact that skips, saying why, when redis-server is not installed.</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisServer.Executable is null)
        {
            Skip = RedisServer.MissingMessage;
        }
    }
}

/// <summary>A theory that skips, saying why, when redis-server is not installed.</summary>
public sealed class RedisTheoryAttribute : TheoryAttribute
{
    public RedisTheoryAttribute()
    {
        if (RedisServer.Executable is null)
        {
            Skip = RedisServer.MissingMessage;
        }
    }
}
