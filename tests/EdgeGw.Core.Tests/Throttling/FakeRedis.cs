using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace EdgeGw.Core.Tests.Throttling;

/// <summary>
/// Enough of a Redis server on a loopback port for StackExchange.Redis to connect (RESP2 handshake, the
/// tie-breaker GET, pub/sub) and for <c>RedisLimits</c> to run its scripts: every EVAL/EVALSHA is handed to the
/// test in <see cref="Scripts"/> and answered with the next figure of <see cref="Grants"/> (0 when it is empty),
/// so the lease arithmetic is seen from the wire: what was asked for, and what was granted.
/// </summary>
internal sealed class FakeRedis : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = [];
    private readonly Task _accepting;

    public FakeRedis()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Each script call: its KEYS and ARGV, in arrival order.</summary>
    public Channel<ScriptCall> Scripts { get; } = Channel.CreateUnbounded<ScriptCall>();

    /// <summary>What the next script calls grant, in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<long> Grants { get; } = new();

    public int ScriptCount => Volatile.Read(ref _scriptCount);

    private TaskCompletionSource? _hold;

    /// <summary>From now on script calls are received (and seen in <see cref="Scripts"/>) but not answered until <see cref="ReleaseAnswers"/>.</summary>
    public void HoldAnswers() => Volatile.Write(ref _hold, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Answers the script calls held since <see cref="HoldAnswers"/>, and answers the next ones at once.</summary>
    public void ReleaseAnswers() => Interlocked.Exchange(ref _hold, null)?.TrySetResult();

    private int _scriptCount;

    /// <summary>The next script call, failing the test after 30 s.</summary>
    public async Task<ScriptCall> NextScriptAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            return await Scripts.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no script call in 30 s; received:\n" + string.Join('\n', Received));
        }
    }

    /// <summary>Closes the listener and every connection (Redis went away).</summary>
    public void Stop()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_clients)
                {
                    _clients.Add(client);
                }

                _ = ServeAsync(client);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var reader = new RespReader(stream);
            while (await reader.ReadCommandAsync(_stop.Token) is { } command)
            {
                byte[] reply = Answer(command);
                if (Volatile.Read(ref _hold) is { } hold && command[0].StartsWith("EVAL", StringComparison.OrdinalIgnoreCase))
                {
                    await hold.Task.WaitAsync(_stop.Token);
                }

                await stream.WriteAsync(reply, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Every command received, for a failing test's message.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Received { get; } = new();

    private byte[] Answer(string[] command)
    {
        Received.Enqueue(string.Join(' ', command.Select(c => c.Length > 40 ? c[..40] + "…" : c)));
        string name = command[0].ToUpperInvariant();
        string? sub = command.Length > 1 ? command[1].ToUpperInvariant() : null;
        switch (name)
        {
            case "PING":
                return command.Length > 1 ? Bulk(command[1]) : Simple("PONG");
            case "ECHO":
                return Bulk(command[1]);
            case "CLIENT" when sub == "ID":
                return ":1\r\n"u8.ToArray();
            case "CLIENT" or "SELECT" or "READONLY":
                return Simple("OK");
            case "INFO":
                return Bulk("# Server\r\nredis_version:7.2.0\r\nredis_mode:standalone\r\n# Replication\r\nrole:master\r\nconnected_slaves:0\r\n");
            case "CONFIG":
                return "*0\r\n"u8.ToArray();
            case "GET":
                return "$-1\r\n"u8.ToArray();
            case "SUBSCRIBE":
                var subscribed = new StringBuilder();
                for (int i = 1; i < command.Length; i++)
                {
                    subscribed.Append(CultureInfo.InvariantCulture, $"*3\r\n$9\r\nsubscribe\r\n${Encoding.Latin1.GetByteCount(command[i])}\r\n{command[i]}\r\n:{i}\r\n");
                }

                return Encoding.Latin1.GetBytes(subscribed.ToString());
            case "SCRIPT" when sub == "LOAD":
                return Bulk(Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(Encoding.Latin1.GetBytes(command[2]))));
            case "EVAL" or "EVALSHA":
                int keyCount = int.Parse(command[2], CultureInfo.InvariantCulture);
                var call = new ScriptCall(command[3..(3 + keyCount)], command[(3 + keyCount)..]);
                long granted = Grants.TryDequeue(out long next) ? next : 0;
                Interlocked.Increment(ref _scriptCount);
                Scripts.Writer.TryWrite(call);
                // The quota script (three keys) answers { granted, left }: "left" is never 0 here.
                return Encoding.ASCII.GetBytes(keyCount == 3 ? $"*2\r\n:{granted}\r\n:1000\r\n" : $":{granted}\r\n");
            default:
                return Encoding.ASCII.GetBytes($"-ERR unknown command '{command[0]}'\r\n");
        }
    }

    private static byte[] Simple(string text) => Encoding.ASCII.GetBytes($"+{text}\r\n");

    private static byte[] Bulk(string text) => Encoding.Latin1.GetBytes($"${Encoding.Latin1.GetByteCount(text)}\r\n{text}\r\n");

    public async ValueTask DisposeAsync()
    {
        Stop();
        await _accepting;
        _stop.Dispose();
    }

    /// <summary>Reads RESP arrays of bulk strings, as clients send commands.</summary>
    private sealed class RespReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public async Task<string[]?> ReadCommandAsync(CancellationToken cancel)
        {
            string? header = await ReadLineAsync(cancel);
            if (header is null)
            {
                return null;
            }

            if (header[0] != '*')
            {
                return header.Split(' ', StringSplitOptions.RemoveEmptyEntries); // inline command
            }

            int count = int.Parse(header.AsSpan(1), CultureInfo.InvariantCulture);
            var parts = new string[count];
            for (int i = 0; i < count; i++)
            {
                string length = await ReadLineAsync(cancel) ?? throw new IOException("cut short");
                int size = int.Parse(length.AsSpan(1), CultureInfo.InvariantCulture);
                byte[] value = await ReadExactlyAsync(size + 2, cancel);
                parts[i] = Encoding.Latin1.GetString(value, 0, size);
            }

            return parts;
        }

        private async Task<bool> FillAsync(CancellationToken cancel)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            int read = await stream.ReadAsync(_buffer.AsMemory(_end), cancel);
            _end += read;
            return read > 0;
        }

        private async Task<string?> ReadLineAsync(CancellationToken cancel)
        {
            while (true)
            {
                int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    string line = Encoding.Latin1.GetString(_buffer, _start, newline - _start).TrimEnd('\r');
                    _start = newline + 1;
                    return line;
                }

                if (!await FillAsync(cancel))
                {
                    return null;
                }
            }
        }

        private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancel)
        {
            var result = new byte[count];
            int copied = 0;
            while (copied < count)
            {
                if (_start == _end && !await FillAsync(cancel))
                {
                    throw new IOException("cut short");
                }

                int take = Math.Min(count - copied, _end - _start);
                Buffer.BlockCopy(_buffer, _start, result, copied, take);
                _start += take;
                copied += take;
            }

            return result;
        }
    }
}

internal sealed record ScriptCall(string[] Keys, string[] Args);
