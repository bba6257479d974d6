using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi.Tests;

/// <summary>
/// A stand-in for Lambda's Invoke API (what SAM local and the Runtime Interface Emulator serve): it records each
/// <c>POST /2015-03-31/functions/{name}/invocations</c> and answers with a fixed function result, over keep-alive.
/// </summary>
internal sealed class InvokeApiServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly byte[] _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<(string Target, JsonObject Event)> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _accepting;

    public InvokeApiServer(string answer)
    {
        _answer = Encoding.UTF8.GetBytes(answer);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>The first invocation's request target and event.</summary>
    public Task<(string Target, JsonObject Event)> FirstInvocation => _first.Task.WaitAsync(TimeSpan.FromSeconds(30));

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new List<byte>();
            var chunk = new byte[8192];
            try
            {
                while (true)
                {
                    int headEnd;
                    while ((headEnd = IndexOfHeadEnd(buffer)) < 0)
                    {
                        int read = await stream.ReadAsync(chunk, _stop.Token);
                        if (read == 0)
                        {
                            return;
                        }

                        buffer.AddRange(chunk.AsSpan(0, read));
                    }

                    string head = Encoding.ASCII.GetString(buffer.GetRange(0, headEnd).ToArray());
                    var lines = head.Split("\r\n");
                    int length = 0;
                    foreach (string line in lines.Skip(1))
                    {
                        if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                        {
                            length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                        }
                    }

                    while (buffer.Count < headEnd + 4 + length)
                    {
                        int read = await stream.ReadAsync(chunk, _stop.Token);
                        if (read == 0)
                        {
                            return;
                        }

                        buffer.AddRange(chunk.AsSpan(0, read));
                    }

                    string body = Encoding.UTF8.GetString(buffer.GetRange(headEnd + 4, length).ToArray());
                    buffer.RemoveRange(0, headEnd + 4 + length);
                    _first.TrySetResult((lines[0].Split(' ')[1], JsonNode.Parse(body)!.AsObject()));
                    byte[] response = [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {_answer.Length}\r\n\r\n"), .. _answer];
                    await stream.WriteAsync(response, _stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
            }
        }
    }

    private static int IndexOfHeadEnd(List<byte> buffer)
    {
        for (int i = 0; i + 3 < buffer.Count; i++)
        {
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
