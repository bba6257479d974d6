using System.Text;
using EdgeGw.Core.Caching;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;
using EdgeGw.Core.UsagePlans;
using EdgeGw.Core.WebSockets;

namespace EdgeGw.Core.Apis;

/// <summary>
/// The rules of an API with <c>"protocol": "websocket"</c>: its routes are message route keys, not HTTP routes,
/// and the API on one stage compiles into a single HTTP route, the stage's <c>GET /</c> handshake.
/// </summary>
internal static class WebSocketApiSection
{
    /// <summary>The key under which a WebSocket API's handshake sits in the route table.</summary>
    public static readonly RouteKey HandshakeKey = ParseHandshakeKey();

    // Stands in for an API without a $connect route: the handshake then has only stage and gateway throttles.
    private static readonly RouteConfig ConnectWithoutRoute =
        new(WebSocketRouteKeys.Connect, null, IntegrationSection.Mock, CacheConfig.None, null, null, false, false);

    public static void Validate(ConfigChecks checks, ApiConfig api, string path, Func<string, bool> clusterExists, Dictionary<string, string> authorizers)
    {
        WebSocketSection.Validate(checks, api.RouteSelectionExpression, api.WebSocket, path);
        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < api.Routes.Length; i++)
        {
            var route = api.Routes[i];
            string routePath = $"{path}.routes[{i}]";
            if (!WebSocketSection.IsRouteKey(route.Key))
            {
                checks.Error($"{routePath}.key", $"'{route.Key}' is not a WebSocket route key (\"$connect\", \"$disconnect\", \"$default\", or 1-128 characters not starting with '$')");
            }
            else if (!keys.TryAdd(route.Key, i))
            {
                checks.Error($"{routePath}.key", $"'{route.Key}' is defined twice (routes[{keys[route.Key]}])");
            }

            bool connect = route.Key == WebSocketRouteKeys.Connect;
            if (route.RouteResponse && (connect || route.Key == WebSocketRouteKeys.Disconnect))
            {
                checks.Error($"{routePath}.routeResponse", $"{route.Key} has no client to answer: its integration's status decides (for $connect) or is ignored");
            }

            if (!ReferenceEquals(route.Cache, CacheConfig.None))
            {
                checks.Error($"{routePath}.cache", "WebSocket routes are not cached");
            }

            if (route.MaxBodyBytes is not null)
            {
                checks.Error($"{routePath}.maxBodyBytes", "a WebSocket API limits messages with webSocket.maxMessageBytes");
            }

            if (!connect && (route.Throttle is not null || route.ClientIpThrottle is not null || route.ApiKeyRequired))
            {
                checks.Error(routePath, "throttles and apiKeyRequired apply to the handshake: set them on the $connect route");
            }

            if (!connect && route.AuthorizationType is not (null or "NONE"))
            {
                checks.Error($"{routePath}.authorizationType", "authorization applies to the handshake: set it on the $connect route");
            }

            if (!connect && route.Authorizer is not null)
            {
                checks.Error($"{routePath}.authorizer", "authorizers apply to the handshake: set it on the $connect route (as AWS)");
            }

            Authorizers.AuthorizerSection.ValidateRoute(checks, route.Authorizer, route.AuthorizationScopes, routePath, authorizers, api.ApiKeySource, route.ApiKeyRequired);
            Throttling.ThrottleSection.Validate(checks, route.Throttle, $"{routePath}.throttle");
            Throttling.ThrottleSection.Validate(checks, route.ClientIpThrottle, $"{routePath}.clientIpThrottle");
            IntegrationSection.Validate(checks, api, route.Integration, $"{routePath}.integration", clusterExists, [], route.Key);
        }
    }

    /// <summary>
    /// A WebSocket API on one stage becomes one HTTP route, <c>GET /</c> of the stage, whose integration is the
    /// API itself. Throttles and API keys of its <c>$connect</c> route guard that handshake.
    /// </summary>
    /// <param name="api">The definition the stage serves: the file's, or its deployment's.</param>
    /// <param name="deploymentId">The deployment it comes from (0: the file).</param>
    public static RouteModel Compile(ApiConfig api, StageConfig stage, IReadOnlyDictionary<string, ClusterModel> clusters, bool gatewayThrottle, int ordinal, Iam.IamSettings? iam = null,
        Dictionary<string, Authorizers.Authorizer>? authorizers = null, int deploymentId = 0)
    {
        var ws = api.WebSocket;
        var messageRoutes = new List<WebSocketRouteModel>(api.Routes.Length);
        WebSocketRouteModel? connect = null, disconnect = null, fallback = null;
        RouteConfig connectConfig = ConnectWithoutRoute;
        foreach (var route in api.Routes)
        {
            var model = new WebSocketRouteModel
            {
                Key = route.Key,
                KeyBytes = Encoding.UTF8.GetBytes(route.Key),
                Integration = IntegrationSection.Compile(route.Integration, HandshakeKey.ParameterNames, stage, clusters, api.Name, route.Key),
                RouteResponse = route.RouteResponse,
            };
            switch (route.Key)
            {
                case WebSocketRouteKeys.Connect:
                    connect = model;
                    connectConfig = route;
                    break;
                case WebSocketRouteKeys.Disconnect:
                    disconnect = model;
                    break;
                case WebSocketRouteKeys.Default:
                    fallback = model;
                    break;
                default:
                    messageRoutes.Add(model);
                    break;
            }
        }

        var integration = new WebSocketApiModel
        {
            ApiName = api.Name,
            StageName = stage.Name,
            Selection = WebSocketSection.CompileSelection(api.RouteSelectionExpression),
            Limits = WebSocketSection.CompileLimits(ws),
            AllowedOrigins = WebSocketSection.CompileOrigins(ws),
            Subprotocols = WebSocketSection.CompileSubprotocols(ws),
            Connect = connect,
            Disconnect = disconnect,
            Default = fallback,
            Routes = new WebSocketRouteMap(messageRoutes),
            NewConnectionsThrottle = Throttling.ThrottleSection.Compile(ws.NewConnectionsThrottle),
        };

        return new RouteModel
        {
            ApiName = api.Name,
            StageName = stage.Name,
            Hosts = api.Hosts,
            RouteKey = WebSocketRouteKeys.Connect,
            ParameterNames = [],
            MaxBodyBytes = 0,
            Integration = integration,
            Access = UsagePlanSection.CompileRouteAccess(
                gatewayThrottle, new StageRef(api.Name, stage.Name), connectConfig.Key, stage.Throttle, connectConfig.Throttle, connectConfig.ClientIpThrottle, connectConfig.ApiKeyRequired,
                Authorizers.AuthorizerSection.ApiKeyFromAuthorizer(api.ApiKeySource)),
            // AWS_IAM on $connect: the handshake's SigV4 signature is verified before the upgrade (as AWS does).
            Iam = connectConfig.AuthorizationType == ApiSection.AwsIam ? iam : null,
            Authorizer = authorizers is null ? null
                : Authorizers.AuthorizerSection.CompileRoute(connectConfig.Authorizer, connectConfig.AuthorizationScopes, authorizers, api.Name, stage.Name, WebSocketRouteKeys.Connect),
            AuthorizerHeaderPrefixes = Authorizers.AuthorizerSection.HeaderPrefixes(authorizers, iam: ApiSection.UsesIam(api)),
            Ordinal = ordinal,
            DeploymentId = deploymentId,
        };
    }

    private static RouteKey ParseHandshakeKey()
    {
        RouteKey.TryParse("GET /", out var key, out _);
        return key;
    }
}
