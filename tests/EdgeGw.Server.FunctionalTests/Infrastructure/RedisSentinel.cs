using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>
/// A real Redis Sentinel (Debian's <c>redis-sentinel</c>, else <c>redis-server --sentinel</c>: the same program) on a
/// free loopback port, watching one primary under a service name; its config file (Sentinel rewrites it) lives in
/// a temporary folder removed on dispose.
/// </summary>
public sealed class RedisSentinel : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private RedisSentinel(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts a sentinel for <paramref name="primary"/> as <paramref name="service"/> (quorum 2, down after 1 s).</summary>
    public static async Task<RedisSentinel> StartAsync(RedisServer primary, string service)
    {
        int port = RedisServer.Reserve().Port;
        string folder = Directory.CreateTempSubdirectory("edgegw-sentinel-").FullName;
        string config = Path.Combine(folder, "sentinel.conf");
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"""
            port {port}
            bind 127.0.0.1
            dir {folder}
            sentinel monitor {service} 127.0.0.1 {primary.Port} 2
            sentinel down-after-milliseconds {service} 1000
            sentinel failover-timeout {service} 5000
            sentinel parallel-syncs {service} 1

            """));
        string? sentinel = new[] { "/usr/bin/redis-sentinel", "/usr/local/bin/redis-sentinel" }.FirstOrDefault(File.Exists);
        var info = new ProcessStartInfo(sentinel ?? RedisServer.Executable ?? throw new InvalidOperationException(RedisServer.MissingMessage))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(config);
        if (sentinel is null)
        {
            info.ArgumentList.Add("--sentinel");
        }

        var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisSentinel(process, folder, port);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!(await server.CommandAsync("PING", timeout.Token)).StartsWith("+PONG", StringComparison.Ordinal))
        {
            await Task.Delay(20, timeout.Token);
        }

        return server;
    }

    /// <summary>The port of the primary this sentinel names for <paramref name="service"/> now.</summary>
    public async Task<int?> PrimaryPortAsync(string service)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        string reply = await CommandAsync($"SENTINEL get-master-addr-by-name {service}", timeout.Token);
        // *2 $9 127.0.0.1 $4 6379
        string[] lines = reply.Split("\r\n");
        return lines.Length >= 5 && int.TryParse(lines[4], NumberStyles.None, CultureInfo.InvariantCulture, out int port) ? port : null;
    }

    /// <summary>
    /// Whether this sentinel knows <paramref name="replicas"/> replicas and <paramref name="otherSentinels"/> other
    /// sentinels of <paramref name="service"/> (a failover needs both: someone to promote, a majority to elect a leader).
    /// </summary>
    public async Task<bool> KnowsAsync(string service, int replicas, int otherSentinels)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        string[] lines = (await CommandAsync($"SENTINEL master {service}", timeout.Token)).Split("\r\n");
        return Field(lines, "num-slaves") >= replicas && Field(lines, "num-other-sentinels") >= otherSentinels;
    }

    private static int Field(string[] lines, string name)
    {
        // A flat array of bulk strings: $len, name, $len, value.
        for (int i = 0; i + 2 < lines.Length; i++)
        {
            if (lines[i] == name && int.TryParse(lines[i + 2], NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            {
                return value;
            }
        }

        return -1;
    }

    private async Task<string> CommandAsync(string command, CancellationToken cancel)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, cancel);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), cancel);
            var buffer = new byte[16384];
            int read = await stream.ReadAsync(buffer, cancel);
            // SENTINEL master's reply can come in more than one segment: take what follows at once.
            while (read < buffer.Length && !cancel.IsCancellationRequested)
            {
                var more = stream.ReadAsync(buffer.AsMemory(read), cancel).AsTask();
                if (await Task.WhenAny(more, Task.Delay(50, cancel)) != more)
                {
                    break;
                }

                int got = await more;
                if (got == 0)
                {
                    break;
                }

                read += got;
            }

            return Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (SocketException)
        {
            return "";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
