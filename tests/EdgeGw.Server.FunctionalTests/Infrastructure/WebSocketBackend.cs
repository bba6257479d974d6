using System.Collections.Concurrent;
using System.Net.Http;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>One event a WebSocket API delivered to its integration.</summary>
public sealed record BackendEvent(string Path, string EventType, string RouteKey, string ConnectionId, string Query, string Body, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A real HTTP backend (Kestrel) for WebSocket API integrations. It records every event and answers by path:
/// <c>/connect</c> accepts unless the query has <c>deny=1</c> (then 401 with a JSON body), <c>/echo</c> returns
/// the body's bytes, <c>/upper</c> returns it upper-cased, <c>/push</c> answers 200 and pushes <c>pushed:{body}</c>
/// back through the gateway's @connections API, <c>/fail</c> answers 500, anything else 200 with no body.
/// </summary>
public sealed class WebSocketBackend : IAsyncDisposable
{
    private WebApplication _app = null!;
    private readonly ConcurrentQueue<BackendEvent> _events = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private WebSocketBackend() { }

    public string Authority { get; private set; } = "";
    /// <summary>Set by the test once the gateway runs: where /push sends its @connections POST.</summary>
    public int AdminPort { get; set; }
    public IReadOnlyCollection<BackendEvent> Events => _events;

    public static async Task<WebSocketBackend> StartAsync()
    {
        var backend = new WebSocketBackend();
        var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        (backend._app, backend.Authority) = await LoopbackWebApp.StartAsync(app => app.Run(async context =>
        {
            using var received = new MemoryStream();
            await context.Request.Body.CopyToAsync(received);
            byte[] raw = received.ToArray();
            string body = Encoding.UTF8.GetString(raw);
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
            var recorded = new BackendEvent(
                context.Request.Path, Get(headers, "x-edgegw-event-type"), Get(headers, "x-edgegw-route-key"), Get(headers, "x-edgegw-connection-id"),
                context.Request.QueryString.Value ?? "", body, headers);
            backend._events.Enqueue(recorded);
            backend._arrived.Release();
            switch (context.Request.Path.Value)
            {
                case "/connect" when context.Request.Query["deny"] == "1":
                    context.Response.StatusCode = 401;
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync("{\"message\":\"denied by backend\"}");
                    break;
                case "/echo":
                    await context.Response.Body.WriteAsync(raw);
                    break;
                case "/upper":
                    await context.Response.WriteAsync(body.ToUpperInvariant());
                    break;
                case "/push":
                    using (var push = await admin.PostAsync($"http://127.0.0.1:{backend.AdminPort}/@connections/{recorded.ConnectionId}", new StringContent("pushed:" + body)))
                    {
                        context.Response.StatusCode = (int)push.StatusCode == 200 ? 200 : 500;
                    }

                    break;
                case "/fail":
                    context.Response.StatusCode = 500;
                    break;
            }
        }));
        return backend;
    }

    private static string Get(Dictionary<string, string> headers, string name) => headers.TryGetValue(name, out var value) ? value : "";

    /// <summary>Waits for the first recorded event that matches (recorded before or after the call).</summary>
    public async Task<BackendEvent> WaitForAsync(Func<BackendEvent, bool> match, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            foreach (var item in _events)
            {
                if (match(item))
                {
                    return item;
                }
            }

            await _arrived.WaitAsync(cancel.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
