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
using EdgeGw.Core.Routing;
using EdgeGw.Core.SourceIp;
using EdgeGw.Core.Throttling;
using EdgeGw.Core.Upstream;
using EdgeGw.Core.UsagePlans;
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
    ImmutableArray<RequestValidation.ModelConfig> Models = default);

/// <summary>A deployment of an API; <c>$default</c> serves without a path prefix.</summary>
internal sealed record StageConfig(string Name, ImmutableArray<KeyValuePair<string, string>> Variables, CacheConfig Cache, ThrottleConfig? Throttle, AccessLogConfig? AccessLog = null);

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
internal sealed class ApiSection : IConfigSection
{
    public const string HttpProtocol = "http";
    public const string WebSocketProtocol = "websocket";

    private const string Key = "apis";
    private static readonly string[] ApiKeys = ["name", "hosts", "stages", "routes", "protocol", "routeSelectionExpression", "webSocket", "minimumCompressionSize", "compression", "gatewayResponses", "cors", "sourceIp", "authorizers", "models"];
    private static readonly string[] StageKeys = ["name", "variables", "cache", "throttle", "accessLog"];
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

    public void Validate(ConfigChecks checks)
    {
        // A (host binding, stage) pair must name one API; "" stands for "any host".
        var stageOwners = new Dictionary<(string Host, string Stage), string>();
        var apiNames = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Config.Length; i++)
        {
            ValidateApi(checks, Config[i], $"apis[{i}]", apiNames, stageOwners);
        }
    }

    /// <summary>Every <c>"api/stage"</c> as written, with the route keys it serves (for usage plans).</summary>
    public IReadOnlyDictionary<string, HashSet<string>> DeployedStages()
    {
        var stages = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var api in Config)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var route in api.Routes)
            {
                keys.Add(route.Key);
            }

            foreach (var stage in api.Stages)
            {
                stages[$"{api.Name}/{stage.Name}"] = keys;
            }
        }

        return stages;
    }

    /// <param name="clusters">The compiled clusters, which http integrations refer to by name.</param>
    /// <param name="defaultMaxBodyBytes">The body limit of routes that set none (<c>server.limits.maxBodyBytes</c>).</param>
    /// <param name="gatewayThrottle">Whether a gateway-wide bucket exists (then every route has an access step).</param>
    /// <param name="accessLogs">Compiles each stage's access log over the gateway's default (none when null).</param>
    /// <param name="domains">Custom domain names whose API mappings route into the stages compiled here.</param>
    public ApiRouteSet Compile(ImmutableArray<ClusterModel> clusters, long defaultMaxBodyBytes, bool gatewayThrottle, AccessLogCompiler? accessLogs = null,
        ImmutableArray<DomainModel> domains = default, IamSettings? iam = null)
    {
        var byName = new Dictionary<string, ClusterModel>(StringComparer.Ordinal);
        foreach (var cluster in clusters)
        {
            byName.Add(cluster.Name, cluster);
        }

        var table = new RouteTableBuilder<RouteModel>();
        var stages = ImmutableArray.CreateBuilder<StageRef>();
        var routes = ImmutableArray.CreateBuilder<RouteModel>();
        var answerPolicies = new List<(string, IReadOnlyList<string>, GatewayResponseSet?, CorsPolicy?)>();
        foreach (var api in Config)
        {
            // Shared by every route of the API (and its unmatched requests, see UnmatchedRequestPolicies).
            var gatewayResponses = GatewayResponseSection.Compile(api.GatewayResponses);
            var cors = CorsSection.Compile(api.Cors);
            var authorizers = AuthorizerSection.Compile(api.Name, api.Authorizers, byName);
            var authorizerPrefixes = AuthorizerSection.HeaderPrefixes(authorizers, iam: UsesIam(api));
            if (api.Protocol != WebSocketProtocol)
            {
                answerPolicies.Add((api.Name, api.Hosts, gatewayResponses, cors));
            }

            foreach (var stage in api.Stages)
            {
                var stageRef = new StageRef(api.Name, stage.Name);
                stages.Add(stageRef);
                var accessLog = accessLogs?.Compile(stage.AccessLog);
                if (api.Protocol == WebSocketProtocol)
                {
                    var handshake = WebSocketApiSection.Compile(api, stage, byName, gatewayThrottle, routes.Count, iam, authorizers);
                    table.Add(api.Name, api.Hosts, stage.Name, WebSocketApiSection.HandshakeKey, handshake);
                    routes.Add(handshake);
                    continue;
                }

                foreach (var route in api.Routes)
                {
                    RouteKey.TryParse(route.Key, out var key, out _);
                    var model = new RouteModel
                    {
                        ApiName = api.Name,
                        StageName = stage.Name,
                        Hosts = api.Hosts,
                        RouteKey = route.Key,
                        StageVariables = stage.Variables,
                        ParameterNames = key.ParameterNames,
                        MaxBodyBytes = route.MaxBodyBytes ?? defaultMaxBodyBytes,
                        Integration = IntegrationSection.Compile(route.Integration, key.ParameterNames, stage, byName),
                        // A mock answer is already pre-encoded: caching it would only cost memory.
                        Cache = route.Integration.Type == "http" ? CacheSection.CompilePolicy(api.Name, stage.Name, stage.Cache, route.Key, route.Cache) : null,
                        Access = UsagePlanSection.CompileRouteAccess(
                            gatewayThrottle, stageRef, route.Key, stage.Throttle, route.Throttle, route.ClientIpThrottle, route.ApiKeyRequired),
                        AccessLog = accessLog,
                        Compression = CompressionSection.Compile(api.Compression ?? CompressionConfig.None, route.Compression ?? CompressionConfig.None),
                        GatewayResponses = gatewayResponses,
                        Cors = cors,
                        SourceIp = SourceIpSection.Compile(route.SourceIp, api.SourceIp),
                        Iam = route.AuthorizationType == AwsIam ? iam : null,
                        Authorizer = AuthorizerSection.CompileRoute(route.Authorizer, route.AuthorizationScopes, authorizers, api.Name, stage.Name, route.Key),
                        AuthorizerHeaderPrefixes = authorizerPrefixes,
                        RequestValidator = RequestValidation.RequestValidationSection.Compile(
                            route.RequestValidator, api.Models, key.ParameterNames, route.MaxBodyBytes ?? defaultMaxBodyBytes),
                        Ordinal = routes.Count,
                    };
                    table.Add(api.Name, api.Hosts, stage.Name, key, model);
                    routes.Add(model);
                }
            }
        }

        if (!domains.IsDefaultOrEmpty)
        {
            foreach (var domain in domains)
            {
                var mappings = new List<(string, string, string)>(domain.Mappings.Length);
                foreach (var mapping in domain.Mappings)
                {
                    mappings.Add((mapping.BasePath, mapping.Api, mapping.Stage));
                }

                table.AddDomain(domain.Name, mappings);
            }
        }

        var unmatched = UnmatchedRequestPolicies.Create(answerPolicies, domains.IsDefaultOrEmpty ? [] : domains.Select(d => d.Name));
        return new ApiRouteSet(table.Build(), stages.ToImmutable(), routes.ToImmutable(), unmatched);
    }

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
            RequestValidation.RequestValidationSection.ReadModels(reader, section.GetSection("models"), ConfigReader.Join(path, "models")));
    }

    private static StageConfig ReadStage(ConfigReader reader, IConfigurationSection section, string path)
    {
        reader.CheckObject(section, path, StageKeys);
        return new StageConfig(
            section["name"] ?? "",
            reader.ReadMap(section.GetSection("variables"), ConfigReader.Join(path, "variables")),
            CacheSection.ReadPolicy(reader, section.GetSection("cache"), ConfigReader.Join(path, "cache")),
            ThrottleSection.Read(reader, section.GetSection("throttle"), ConfigReader.Join(path, "throttle")),
            AccessLogSection.Read(reader, section.GetSection("accessLog"), ConfigReader.Join(path, "accessLog")));
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

    /// <summary>Checks a route's <c>authorizationType</c>: NONE (the default) or AWS_IAM, which needs the <c>iam</c> section.</summary>
    internal void ValidateAuthorizationType(ConfigChecks checks, RouteConfig route, string path)
    {
        if (route.AuthorizationType is null or "NONE")
        {
            if (route.AuthorizationType is "NONE" && route.Authorizer is not null)
            {
                checks.Error($"{path}.authorizationType", $"NONE, but the route names the authorizer '{route.Authorizer}'");
            }

            return;
        }

        if (route.AuthorizationType is "JWT" or "CUSTOM")
        {
            // AWS's names for a route with a JWT or request (Lambda) authorizer: the authorizer decides which.
            if (route.Authorizer is null)
            {
                checks.Error($"{path}.authorizationType", $"{route.AuthorizationType} needs the route's authorizer (the name of one of the API's authorizers)");
            }

            return;
        }

        if (route.AuthorizationType != AwsIam)
        {
            checks.Error($"{path}.authorizationType", $"'{route.AuthorizationType}' is not NONE, JWT, CUSTOM or AWS_IAM");
        }
        else if (route.Authorizer is not null)
        {
            checks.Error($"{path}.authorizationType", $"AWS_IAM verifies SigV4 signatures itself: remove the route's authorizer '{route.Authorizer}' or the authorizationType");
        }
        else if (_iam is not { IsConfigured: true })
        {
            checks.Error($"{path}.authorizationType", "AWS_IAM verifies SigV4 signatures with the credentials of the top-level iam section, which is missing");
        }
    }

    private void ValidateApi(ConfigChecks checks, ApiConfig api, string path, HashSet<string> names, Dictionary<(string, string), string> stageOwners)
    {
        if (api.Name.Length == 0)
        {
            checks.Error($"{path}.name", "an API needs a name");
        }
        else if (!names.Add(api.Name))
        {
            checks.Error($"{path}.name", $"API '{api.Name}' is defined twice");
        }

        var hosts = new List<string>();
        for (int i = 0; i < api.Hosts.Length; i++)
        {
            string host = api.Hosts[i];
            if (host.Length is 0 or > 253 || host.AsSpan().ContainsAnyExcept(ConfigChecks.HostNameChars) || host.StartsWith('.') || host.EndsWith('.'))
            {
                checks.Error($"{path}.hosts[{i}]", $"'{host}' is not a host name (no scheme, port or path; matched case-insensitively on the Host header)");
            }
            else
            {
                hosts.Add(host.ToLowerInvariant());
            }
        }

        if (api.Hosts.IsEmpty)
        {
            hosts.Add("");
        }

        if (api.Stages.IsEmpty)
        {
            checks.Error($"{path}.stages", "at least one stage is required (use \"$default\" to serve without a path prefix)");
        }

        var stageNames = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < api.Stages.Length; i++)
        {
            ValidateStage(checks, api, api.Stages[i], $"{path}.stages[{i}]", hosts, stageNames, stageOwners);
        }

        CompressionSection.Validate(checks, api.Compression ?? CompressionConfig.None, path, onApi: true, webSocket: api.Protocol == WebSocketProtocol);
        var authorizers = AuthorizerSection.Validate(checks, api.Authorizers, $"{path}.authorizers", _clusters.IsDefined);
        if (api.Protocol == WebSocketProtocol)
        {
            WebSocketApiSection.Validate(checks, api, path, _clusters.IsDefined, authorizers);
            for (int i = 0; i < api.Routes.Length; i++)
            {
                if (api.Routes[i].Key == WebSocketRouteKeys.Connect)
                {
                    ValidateAuthorizationType(checks, api.Routes[i], $"{path}.routes[{i}]");
                }
            }

            return;
        }

        if (api.Protocol != HttpProtocol)
        {
            checks.Error($"{path}.protocol", $"'{api.Protocol}' is not \"http\" or \"websocket\"");
        }

        if (api.RouteSelectionExpression is not null)
        {
            checks.Error($"{path}.routeSelectionExpression", "only a WebSocket API (\"protocol\": \"websocket\") selects routes from messages");
        }

        if (!ReferenceEquals(api.WebSocket, WebSocketApiConfig.Default))
        {
            checks.Error($"{path}.webSocket", "only a WebSocket API (\"protocol\": \"websocket\") has WebSocket settings");
        }

        GatewayResponseSection.Validate(checks, api.GatewayResponses.IsDefault ? [] : api.GatewayResponses, $"{path}.gatewayResponses");
        CorsSection.Validate(checks, api.Cors, $"{path}.cors");
        SourceIpSection.Validate(checks, api.SourceIp, $"{path}.sourceIp");
        RequestValidation.RequestValidationSection.ValidateModels(checks, api.Models);
        var shapes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < api.Routes.Length; i++)
        {
            ValidateRoute(checks, api, api.Routes[i], $"{path}.routes[{i}]", i, shapes);
            AuthorizerSection.ValidateRoute(checks, api.Routes[i].Authorizer, api.Routes[i].AuthorizationScopes, $"{path}.routes[{i}]", authorizers);
        }
    }

    private static void ValidateStage(
        ConfigChecks checks, ApiConfig api, StageConfig stage, string stagePath, List<string> hosts, HashSet<string> stageNames, Dictionary<(string, string), string> stageOwners)
    {
        if (stage.Name != RouteKey.DefaultKey && (stage.Name.Length is 0 or > 128 || stage.Name.AsSpan().ContainsAnyExcept(ConfigChecks.NameChars)))
        {
            checks.Error($"{stagePath}.name", $"'{stage.Name}' is not a stage name (1-128 letters, digits, '-', '_', or \"$default\")");
            return;
        }

        if (!stageNames.Add(stage.Name))
        {
            checks.Error($"{stagePath}.name", $"stage '{stage.Name}' is defined twice");
            return;
        }

        foreach (string host in hosts)
        {
            if (!stageOwners.TryAdd((host, stage.Name), api.Name))
            {
                string where = host.Length == 0 ? "without a host binding" : $"for host '{host}'";
                checks.Error($"{stagePath}.name", $"stage '{stage.Name}' {where} is already served by API '{stageOwners[(host, stage.Name)]}'");
            }
        }

        CacheSection.ValidatePolicy(checks, stage.Cache, $"{stagePath}.cache");
        ThrottleSection.Validate(checks, stage.Throttle, $"{stagePath}.throttle");
        AccessLogSection.Validate(checks, stage.AccessLog, $"{stagePath}.accessLog");
        foreach (var variable in stage.Variables)
        {
            if (variable.Key.AsSpan().ContainsAnyExcept(ConfigChecks.NameChars))
            {
                checks.Error($"{stagePath}.variables.{variable.Key}", "a variable name may contain only letters, digits, '-' and '_'");
            }
            else if (variable.Value.Length > 2048 || !ConfigChecks.IsPathSafe(variable.Value))
            {
                checks.Error($"{stagePath}.variables.{variable.Key}", "a variable value may contain only characters allowed in a URL path (at most 2048)");
            }
        }
    }

    private void ValidateRoute(ConfigChecks checks, ApiConfig api, RouteConfig route, string path, int index, Dictionary<string, int> shapes)
    {
        if (route.RouteResponse)
        {
            checks.Error($"{path}.routeResponse", "only WebSocket API routes send responses as messages");
        }

        RouteKey? key = null;
        if (route.Key.Length == 0)
        {
            checks.Error($"{path}.key", "a route needs a key such as \"GET /pets/{id}\" or \"$default\"");
        }
        else if (!RouteKey.TryParse(route.Key, out key, out string keyError))
        {
            checks.Error($"{path}.key", keyError);
        }
        else if (!shapes.TryAdd(key.Shape, index))
        {
            checks.Error($"{path}.key", $"'{route.Key}' matches the same requests as routes[{shapes[key.Shape]}]");
        }

        CacheSection.ValidatePolicy(checks, route.Cache, $"{path}.cache");
        ThrottleSection.Validate(checks, route.Throttle, $"{path}.throttle");
        ThrottleSection.Validate(checks, route.ClientIpThrottle, $"{path}.clientIpThrottle");
        CompressionSection.Validate(checks, route.Compression ?? CompressionConfig.None, path, onApi: false);
        SourceIpSection.Validate(checks, route.SourceIp, $"{path}.sourceIp");
        ValidateAuthorizationType(checks, route, path);
        if (route.MaxBodyBytes is < 0)
        {
            checks.Error($"{path}.maxBodyBytes", "must be 0 or more");
        }

        IntegrationSection.Validate(checks, api, route.Integration, $"{path}.integration", _clusters.IsDefined, key?.ParameterNames);
        RequestValidation.RequestValidationSection.ValidateRoute(checks, route.RequestValidator, api.Models, key?.ParameterNames, route.Integration.Type);
    }
}
