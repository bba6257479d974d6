using System.Diagnostics;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using EdgeGw.Server.FunctionalTests.WebSockets;

namespace EdgeGw.Server.FunctionalTests.Authorizers;

/// <summary>
/// Keys and tokens minted by npm <c>jose</c> (node/mint-jwt.mjs), not by EdgeGw, and an issuer the test runs: OIDC
/// discovery at <c>/.well-known/openid-configuration</c> and the JWKS at <c>/jwks</c>, counting the fetches of each.
/// </summary>
public sealed class JoseIssuer : IAsyncDisposable
{
    private readonly UpstreamServer _server;
    private int _jwksFetches;
    private int _discoveryFetches;

    private JoseIssuer()
    {
        _server = UpstreamServer.StartPerRequest(async (context, request) =>
        {
            if (request.Path == "/.well-known/openid-configuration")
            {
                Interlocked.Increment(ref _discoveryFetches);
                await context.RespondAsync(200, $$"""{"issuer":"{{Issuer}}","jwks_uri":"http://127.0.0.1:{{_server!.Port}}/jwks"}""", ("Content-Type", "application/json"));
            }
            else if (request.Path == "/jwks")
            {
                Interlocked.Increment(ref _jwksFetches);
                if (HoldJwks is { } hold)
                {
                    await hold.Task;
                }

                await context.RespondAsync(200, Rotated ? RotatedJwks : Jwks, ("Content-Type", "application/json"));
            }
            else
            {
                await context.RespondAsync(404, "");
            }
        });
    }

    public string Issuer => $"http://127.0.0.1:{_server.Port}/";
    public string Jwks { get; private set; } = "";
    public string RotatedJwks { get; private set; } = "";
    /// <summary>When set, the JWKS is answered only once this completes (a slow issuer).</summary>
    public TaskCompletionSource? HoldJwks { get; set; }
    /// <summary>Serve the rotated key set from now on.</summary>
    public bool Rotated { get; set; }
    public int JwksFetches => Volatile.Read(ref _jwksFetches);
    public int DiscoveryFetches => Volatile.Read(ref _discoveryFetches);
    public IReadOnlyDictionary<string, string> Tokens { get; private set; } = new Dictionary<string, string>();

    public static async Task<JoseIssuer> StartAsync(string audience, string? hmacSecret = null)
    {
        var issuer = new JoseIssuer();
        var info = new ProcessStartInfo(NodeWs.Node!) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = NodeWs.Folder! };
        info.ArgumentList.Add(Path.Combine(NodeWs.Folder!, "mint-jwt.mjs"));
        info.ArgumentList.Add(issuer.Issuer);
        info.ArgumentList.Add(audience);
        if (hmacSecret is not null)
        {
            info.ArgumentList.Add(hmacSecret);
        }
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, "mint-jwt.mjs failed: " + await errors);
        using var document = JsonDocument.Parse(await output);
        issuer.Jwks = document.RootElement.GetProperty("jwks").GetRawText();
        issuer.RotatedJwks = document.RootElement.GetProperty("rotatedJwks").GetRawText();
        issuer.Tokens = document.RootElement.GetProperty("tokens").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return issuer;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>A fact that skips, saying why, when node or the jose package is missing.</summary>
public sealed class JoseFactAttribute : FactAttribute
{
    public JoseFactAttribute()
    {
        if (JoseAvailability.MissingMessage is { } missing)
        {
            Skip = missing;
        }
    }
}

/// <summary>A theory that skips when node or the jose package is missing.</summary>
public sealed class JoseTheoryAttribute : TheoryAttribute
{
    public JoseTheoryAttribute()
    {
        if (JoseAvailability.MissingMessage is { } missing)
        {
            Skip = missing;
        }
    }
}

internal static class JoseAvailability
{
    public static string? MissingMessage { get; } =
        NodeWs.Node is null ? "node is not on PATH (install Node.js 18+; .ci/run installs it)"
        : NodeWs.Folder is null ? "tests/EdgeGw.Server.FunctionalTests/WebSockets/node was not found"
        : !File.Exists(Path.Combine(NodeWs.Folder, "node_modules", "jose", "package.json")) ? $"the jose package is not installed: run `npm ci` in {NodeWs.Folder} (.ci/run does)"
        : null;
}
