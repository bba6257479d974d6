using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>One event a WebSocket API delivered to its integration.</summary>
public sealed record BackendEvent(string Path, string EventType, string RouteKey, string ConnectionId, string Query, string Body, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A real HTTP backend (Kestrel) for WebSocket API integrations. It records every event and answers by path:
/// <c>/connect</c> accepts unless the query has <c>deny=1</c> (then 401 with a JSON body), <c>/echo</c> returns
/// the body, <c>/upper</c> returns it upper-cased, <c>/push</c> answers 200 and pushes <c>pushed:{body}</c>
/// back through the gateway's @connections API, <c>/fail</c> answers 500, anything else 200 with no body.
/// </summary>
public sealed class WebSocketBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<BackendEvent> _events = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private WebSocketBackend(WebApplication app) => _app = app;

    public string Authority { get; private set; } = "";
    /// <summary>Set by the test once the gateway runs: where /push sends its @connections POST.</summary>
    public int AdminPort { get; set; }
    public IReadOnlyCollection<BackendEvent> Events => _events;

    public static async Task<WebSocketBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var backend = new WebSocketBackend(app);
        var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            string body = await reader.ReadToEndAsync();
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
                    await context.Response.WriteAsync(body);
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
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        backend.Authority = $"127.0.0.1:{address.Port}";
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
