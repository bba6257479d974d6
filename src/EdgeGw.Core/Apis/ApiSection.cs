using System.Collections.Immutable;
using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Caching;
using EdgeGw.Core.Compression;
using EdgeGw.Core.Cors;
using EdgeGw.Core.GatewayResponses;
using EdgeGw.Core.Iam;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using EdgeGw.Core.SourceIp;
using EdgeGw.Core.Throttling;
using EdgeGw.Core.Upstream;
using EdgeGw.Core.WebSockets;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Apis;

/// <summary>An API as written: its host bindings, stages and routes.</summary>
internal sealed record ApiConfig(
    string Name,
    ImmutableArray<string> Hosts,
    ImmutableArray<StageConfig> Stages,
    ImmutableArray<RouteConfig> Routes,
    string Protocol,
    string? RouteSelectionExpression,
    WebSocketApiConfig WebSocket,
    CompressionConfig? Compression = null,
    ImmutableArray<GatewayResponseConfig> GatewayResponses = default,
    CorsConfig? Cors = null,
    SourceIpConfig? SourceIp = null,
    ImmutableArray<AuthorizerConfig> Authorizers = default,
    ImmutableArray<RequestValidation.ModelConfig> Models = default,
    string? ApiKeySource = null);

/// <summary>A deployment of an API; <c>$default</c> serves without a path prefix.</summary>
internal sealed record StageConfig(string Name, ImmutableArray<KeyValuePair<string, string>> Variables, CacheConfig Cache, ThrottleConfig? Throttle, AccessLogConfig? AccessLog = null,
    Deployments.CanaryConfig? Canary = null);

/// <param name="Throttle">This route's bucket on each stage (every stage gets its own).</param>
/// <param name="ClientIpThrottle">A bucket per client IP address on this route.</param>
/// <param name="RouteResponse">WebSocket API routes: send the integration's response body back to the client as a message.</param>
internal sealed record RouteConfig(
    string Key,
    long? MaxBodyBytes,
    IntegrationConfig Integration,
    CacheConfig Cache,
    ThrottleConfig? Throttle,
    ThrottleConfig? ClientIpThrottle,
    bool ApiKeyRequired,
    bool RouteResponse,
    CompressionConfig? Compression = null,
    SourceIpConfig? SourceIp = null,
    string? AuthorizationType = null,
    string? Authorizer = null,
    ImmutableArray<string> AuthorizationScopes = default,
    RequestValidation.RequestValidatorConfig? RequestValidator = null);

/// <summary>
/// <c>apis</c>: APIs, their stages and routes, compiled into the route table with one <see cref="RouteModel"/> per
/// route and stage. Stage and route <c>cache</c>, <c>throttle</c> and <c>integration</c> objects are read, checked
/// and compiled by their features' sections; WebSocket APIs by <see cref="WebSocketApiSection"/>.
/// </summary>
internal sealed partial class ApiSection : IConfigSection
{
    public const string HttpProtocol = "http";
    public const string WebSocketProtocol = "websocket";

    private const string Key = "apis";
    private static readonly string[] ApiKeys = ["name", "hosts", "stages", "routes", "protocol", "routeSelectionExpression", "webSocket", "minimumCompressionSize", "compression", "gatewayResponses", "cors", "sourceIp", "authorizers", "models", "apiKeySource"];
    private static readonly string[] StageKeys = ["name", "variables", "cache", "throttle", "accessLog", "canary"];
    private static readonly string[] RouteKeys = ["key", "maxBodyBytes", "integration", "cache", "throttle", "clientIpThrottle", "apiKeyRequired", "routeResponse", "compression", "sourceIp", "authorizationType", "authorizer", "authorizationScopes", "requestValidator"];

    private readonly ClusterSection _clusters;
    private readonly IamSection? _iam;

    public ApiSection(ClusterSection clusters, IamSection? iam = null)
    {
        _clusters = clusters;
        _iam = iam;
    }

    public ImmutableArray<ApiConfig> Config { get; private set; } = [];

    public void Read(IConfiguration root, ConfigReader reader) =>
        Config = reader.ReadArray(root.GetSection(Key), Key, (section, path) => ReadApi(reader, section, path));

    private static ApiConfig ReadApi(ConfigReader reader, IConfigurationSection section, string path)
    {
        reader.CheckObject(section, path, ApiKeys);
        return new ApiConfig(
            section["name"] ?? "",
            reader.ReadStrings(section.GetSection("hosts"), ConfigReader.Join(path, "hosts")),
            reader.ReadArray(section.GetSection("stages"), ConfigReader.Join(path, "stages"), (s, p) => ReadStage(reader, s, p)),
            reader.ReadArray(section.GetSection("routes"), ConfigReader.Join(path, "routes"), (s, p) => ReadRoute(reader, s, p)),
            section["protocol"] ?? HttpProtocol,
            section["routeSelectionExpression"],
            WebSocketSection.Read(reader, section.GetSection("webSocket"), ConfigReader.Join(path, "webSocket")),
            CompressionSection.ReadApi(reader, section, path),
            GatewayResponseSection.Read(reader, section.GetSection("gatewayResponses"), ConfigReader.Join(path, "gatewayResponses")),
            CorsSection.Read(reader, section.GetSection("cors"), ConfigReader.Join(path, "cors")),
            SourceIpSection.Read(reader, section.GetSection("sourceIp"), ConfigReader.Join(path, "sourceIp")),
            AuthorizerSection.Read(reader, section.GetSection("authorizers"), ConfigReader.Join(path, "authorizers")),
            RequestValidation.RequestValidationSection.ReadModels(reader, section.GetSection("models"), ConfigReader.Join(path, "models")),
            section["apiKeySource"]);
    }

    private static StageConfig ReadStage(ConfigReader reader, IConfigurationSection section, string path)
    {
        reader.CheckObject(section, path, StageKeys);
        return new StageConfig(
            section["name"] ?? "",
            reader.ReadMap(section.GetSection("variables"), ConfigReader.Join(path, "variables")),
            CacheSection.ReadPolicy(reader, section.GetSection("cache"), ConfigReader.Join(path, "cache")),
            ThrottleSection.Read(reader, section.GetSection("throttle"), ConfigReader.Join(path, "throttle")),
            AccessLogSection.Read(reader, section.GetSection("accessLog"), ConfigReader.Join(path, "accessLog")),
            Deployments.DeploymentSection.ReadCanary(reader, section.GetSection("canary"), ConfigReader.Join(path, "canary")));
    }

    private static RouteConfig ReadRoute(ConfigReader reader, IConfigurationSection section, string path)
    {
        reader.CheckObject(section, path, RouteKeys);
        var integration = IntegrationSection.Read(reader, section.GetSection("integration"), ConfigReader.Join(path, "integration"));
        return new RouteConfig(
            section["key"] ?? "",
            reader.ReadLong(section, path, "maxBodyBytes"),
            integration,
            CacheSection.ReadPolicy(reader, section.GetSection("cache"), ConfigReader.Join(path, "cache")),
            ThrottleSection.Read(reader, section.GetSection("throttle"), ConfigReader.Join(path, "throttle")),
            ThrottleSection.Read(reader, section.GetSection("clientIpThrottle"), ConfigReader.Join(path, "clientIpThrottle")),
            reader.ReadBool(section, path, "apiKeyRequired") ?? false,
            reader.ReadBool(section, path, "routeResponse") ?? false,
            CompressionSection.Read(reader, section.GetSection("compression"), ConfigReader.Join(path, "compression")),
            SourceIpSection.Read(reader, section.GetSection("sourceIp"), ConfigReader.Join(path, "sourceIp")),
            section["authorizationType"],
            section["authorizer"],
            reader.ReadOptionalStrings(section, path, "authorizationScopes") ?? default,
            RequestValidation.RequestValidationSection.ReadValidator(reader, section.GetSection("requestValidator"), ConfigReader.Join(path, "requestValidator")));
    }

    /// <summary>A route's <c>authorizationType</c> that verifies SigV4 signatures against the <c>iam</c> section.</summary>
    public const string AwsIam = "AWS_IAM";

    /// <summary>Some route of <paramref name="api"/> is AWS_IAM (its identity headers are then the gateway's alone).</summary>
    internal static bool UsesIam(ApiConfig api)
    {
        foreach (var route in api.Routes)
        {
            if (route.AuthorizationType == AwsIam)
            {
                return true;
            }
        }

        return false;
    }
}
