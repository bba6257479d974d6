using System.Net.Http;
using System.Text;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Deployments;

/// <summary>
/// Two real upstreams, "v1" and "v2", each answering <c>{name}:{path}</c> with <c>x-version: {name}</c>, and a config
/// whose one route sends <c>/prod/pets/{proxy+}</c> to cluster <c>{version}</c> at <c>/{version}/{proxy}</c>: a response
/// is whole from one version only when the body's upstream, the body's path and the header agree.
/// Deployments are kept in a directory of the test's own.
/// </summary>
public sealed class DeploymentFixture : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"edgegw-deployments-{Guid.NewGuid():N}");

    private DeploymentFixture()
    {
        V1 = Version("v1");
        V2 = Version("v2");
    }

    public UpstreamServer V1 { get; }
    public UpstreamServer V2 { get; }
    public string Directory => _directory;
    public string LogPath => Path.Combine(_directory, "access.log");

    public static DeploymentFixture Create() => new();

    private static UpstreamServer Version(string name) =>
        UpstreamServer.StartPerRequest((context, request) => context.RespondAsync(200, $"{name}:{request.Path}", ("x-version", name)));

    /// <param name="version">The cluster (and path prefix) the route uses: "v1" or "v2".</param>
    /// <param name="canary">The stage's <c>canary</c> object, or null.</param>
    /// <param name="extraRoute">Another route object for the API, or null.</param>
    public string Config(string version, string? canary = null, bool accessLog = false, string? extraRoute = null) => $$"""
        {
          "deployments": { "directory": {{JsonSerializer.Serialize(_directory)}} },
          "clusters": [
            { "name": "v1", "destinations": ["{{V1.Authority}}"], "maxConnectionsPerDestination": 64 },
            { "name": "v2", "destinations": ["{{V2.Authority}}"], "maxConnectionsPerDestination": 64 }
          ],
          "apis": [ { "name": "pets",
            "stages": [ { "name": "prod"
              {{(canary is null ? "" : $", \"canary\": {canary}")}}
              {{(accessLog ? $", \"accessLog\": {{ \"destination\": {JsonSerializer.Serialize(LogPath)}, \"format\": \"$context.isCanaryRequest $context.deploymentId $context.status $context.requestId\" }}" : "")}} } ],
            "routes": [ { "key": "GET /pets/{proxy+}", "integration": { "type": "http", "cluster": "{{version}}", "uri": "/{{version}}/{proxy}" } }{{(extraRoute is null ? "" : ", " + extraRoute)}} ] } ]
        }
        """;

    /// <summary>GET <c>/prod/pets/{id}</c>: the version that answered, after checking the answer is whole from it.</summary>
    public static async Task<string> GetVersionAsync(HttpClient client, string id = "a", string? user = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/prod/pets/{id}");
        if (user is not null)
        {
            request.Headers.Add("x-user", user);
        }

        using var response = await client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        string header = response.Headers.TryGetValues("x-version", out var values) ? string.Join(",", values) : "";
        if ((int)response.StatusCode != 200 || body != $"{header}:/{header}/{id}")
        {
            return $"broken: {(int)response.StatusCode} {header} {body}";
        }

        return header;
    }

    public static async Task<(int Status, JsonElement Body)> AdminAsync(HttpClient admin, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await admin.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        await V1.DisposeAsync();
        await V2.DisposeAsync();
        if (System.IO.Directory.Exists(_directory))
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
    }
}
