using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Caching;
using EdgeGw.Core.Compression;
using EdgeGw.Core.Cors;
using EdgeGw.Core.GatewayResponses;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Routing;
using EdgeGw.Core.SourceIp;
using EdgeGw.Core.Throttling;
using EdgeGw.Core.WebSockets;

namespace EdgeGw.Core.Apis;

/// <summary>Validation of the apis, their stages and routes, every error reported with its JSON path.</summary>
internal sealed partial class ApiSection
{
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
        AuthorizerSection.ValidateApiKeySource(checks, api.ApiKeySource, path);
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
            AuthorizerSection.ValidateRoute(checks, api.Routes[i].Authorizer, api.Routes[i].AuthorizationScopes, $"{path}.routes[{i}]", authorizers, api.ApiKeySource, api.Routes[i].ApiKeyRequired);
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

        IntegrationSection.Validate(checks, api, route.Integration, $"{path}.integration", _clusters.IsDefined, key?.ParameterNames, route.Key);
        RequestValidation.RequestValidationSection.ValidateRoute(checks, route.RequestValidator, api.Models, key?.ParameterNames, route.Integration.Type);
    }
}
