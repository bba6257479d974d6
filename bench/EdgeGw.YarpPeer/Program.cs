using Yarp.ReverseProxy.Configuration;

// A minimal YARP 2.3 proxy for the side-by-side harness: one catch-all route to one destination, no logging.
// Usage: EdgeGw.YarpPeer <listen-url> <destination-url>
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: EdgeGw.YarpPeer http://127.0.0.1:19103 http://127.0.0.1:19001");
    return 2;
}

var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = args });
builder.WebHost.UseKestrelCore().UseUrls(args[0]);
builder.Services.AddRoutingCore();
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "upstream", Match = new RouteMatch { Path = "{**catch-all}" } }],
    [new ClusterConfig
    {
        ClusterId = "upstream",
        Destinations = new Dictionary<string, DestinationConfig> { ["d"] = new() { Address = args[1] } },
    }]);

var app = builder.Build();
app.UseRouting();
app.MapReverseProxy();
await app.StartAsync();
Console.WriteLine($"yarp: serving {args[0]} -> {args[1]}");
await app.WaitForShutdownAsync();
return 0;
