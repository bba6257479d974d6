using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using EdgeGw.Core.Caching;
using EdgeGw.Protocols.Http1;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;
using EdgeGw.Core.UsagePlans;

namespace EdgeGw.Core.Configuration;

/// <summary>Turns a validated <see cref="GatewayConfig"/> into the immutable runtime <see cref="GatewayModel"/>.</summary>
internal static class ModelCompiler
{
    public static GatewayModel Compile(GatewayConfig config)
    {
        var server = config.Server;
        var settings = new ServerSettings
        {
            Listen = server.Listen,
            DrainTimeout = TimeSpan.FromSeconds(server.DrainTimeoutSeconds),
            KeepAliveTimeout = TimeSpan.FromSeconds(server.KeepAliveTimeoutSeconds),
            RequestHeadTimeout = TimeSpan.FromSeconds(server.RequestHeadTimeoutSeconds),
            TunnelIdleTimeout = TimeSpan.FromSeconds(server.TunnelIdleTimeoutSeconds),
            TunnelMaxLifetime = TimeSpan.FromSeconds(server.TunnelMaxLifetimeSeconds),
            Transport = TryParseTransport(server.Transport, out var transport) ? transport : Transport.TransportKind.Sockets,
            Limits = new RequestLimits
            {
                MaxRequestLineBytes = server.Limits.MaxRequestLineBytes,
                MaxHeaderBytes = server.Limits.MaxHeaderBytes,
                MaxHeaderCount = server.Limits.MaxHeaderCount,
                MaxBodyBytes = server.Limits.MaxBodyBytes,
                MaxConnections = server.Limits.MaxConnections,
                MaxRequestsPerConnection = server.Limits.MaxRequestsPerConnection,
                MinBodyBytesPerSecond = server.Limits.MinBodyBytesPerSecond,
            },
        };

        var clusters = ImmutableArray.CreateBuilder<ClusterModel>(config.Clusters.Length);
        var byName = new Dictionary<string, ClusterModel>(StringComparer.Ordinal);
        foreach (var cluster in config.Clusters)
        {
            var model = CompileCluster(cluster, clusters.Count);
            clusters.Add(model);
            byName.Add(cluster.Name, model);
        }

        var routes = new RouteTableBuilder();
        var stages = ImmutableArray.CreateBuilder<StageRef>();
        var plans = CompilePlans(config);
        var routeList = ImmutableArray.CreateBuilder<RouteModel>();
        int ordinal = 0;
        foreach (var api in config.Apis)
        {
            foreach (var stage in api.Stages)
            {
                stages.Add(new StageRef(api.Name, stage.Name));
                if (api.Protocol == "websocket")
                {
                    var handshake = CompileWebSocketApi(config, api, stage, byName, ordinal++);
                    routes.Add(api.Name, api.Hosts, stage.Name, HandshakeKey, handshake);
                    routeList.Add(handshake);
                    continue;
                }

                foreach (var route in api.Routes)
                {
                    RouteKey.TryParse(route.Key, out var key, out _);
                    var routeModel = new RouteModel
                    {
                        ApiName = api.Name,
                        StageName = stage.Name,
                        RouteKey = route.Key,
                        ParameterNames = key.ParameterNames,
                        MaxBodyBytes = route.MaxBodyBytes ?? server.Limits.MaxBodyBytes,
                        Integration = CompileIntegration(route.Integration, key, stage, byName),
                        // A mock answer is already pre-encoded: caching it would only cost memory.
                        Cache = route.Integration.Type == "http" ? CompileCache(api.Name, stage, route) : null,
                        Access = CompileAccess(config, new StageRef(api.Name, stage.Name), stage, route),
                        Ordinal = ordinal++,
                    };
                    routes.Add(api.Name, api.Hosts, stage.Name, key, routeModel);
                    routeList.Add(routeModel);
                }
            }
        }

        return new GatewayModel
        {
            Server = settings,
            Clusters = clusters.MoveToImmutable(),
            Routes = routes.Build(),
            Stages = stages.ToImmutable(),
            RouteCount = ordinal,
            RouteList = routeList.ToImmutable(),
            Throttle = Settings(config.Throttle),
            ApiKeyHeader = Encoding.ASCII.GetBytes(config.ApiKeys.Header.ToLowerInvariant()),
            UsagePlans = plans,
            ApiKeys = [.. config.ApiKeys.Keys.Select(k => new ApiKeyDefinition(
                k.Id, k.Value is not null ? ConfigValidator.ApiKeyDigest(k.Value) : k.Sha256!.ToLowerInvariant(), k.Enabled, k.UsagePlans))],
            Redis = config.Redis,
            State = config.State,
            Admin = new AdminSettings(config.Admin.Listen),
            Cache = new CacheStoreSettings
            {
                MaxBytes = config.Cache.MaxBytes,
                MaxEntryBytes = config.Cache.MaxEntryBytes,
                StatusHeader = Encoding.ASCII.GetBytes(config.Cache.StatusHeader),
                CoalesceTimeout = TimeSpan.FromMilliseconds(config.Cache.CoalesceTimeoutMs),
            },
        };
    }

    private static readonly RouteKey HandshakeKey = ParseHandshakeKey();

    // Stands in for an API without a $connect route: the handshake then has only stage and gateway throttles.
    private static readonly RouteConfig ConnectWithoutRoute =
        new(WebSockets.WebSocketRouteKeys.Connect, null, new IntegrationConfig("mock", ConfigDefaults.MockStatus, [], "", null, null, null, []));

    private static RouteKey ParseHandshakeKey()
    {
        RouteKey.TryParse("GET /", out var key, out _);
        return key;
    }

    /// <summary>
    /// A WebSocket API on one stage becomes one HTTP route, <c>GET /</c> of the stage, whose integration is the
    /// API itself. Throttles and API keys of its <c>$connect</c> route guard that handshake.
    /// </summary>
    private static RouteModel CompileWebSocketApi(GatewayConfig config, ApiConfig api, StageConfig stage, Dictionary<string, ClusterModel> clusters, int ordinal)
    {
        var ws = api.WebSocket;
        var routes = new List<WebSockets.WebSocketRouteModel>();
        RouteConfig? connectConfig = null;
        foreach (var route in api.Routes)
        {
            routes.Add(new WebSockets.WebSocketRouteModel
            {
                Key = route.Key,
                KeyBytes = Encoding.UTF8.GetBytes(route.Key),
                Integration = CompileIntegration(route.Integration, HandshakeKey, stage, clusters),
                RouteResponse = route.RouteResponse,
            });
            if (route.Key == WebSockets.WebSocketRouteKeys.Connect)
            {
                connectConfig = route;
            }
        }

        WebSockets.RouteSelectionExpression.TryParse(api.RouteSelectionExpression ?? ConfigDefaults.RouteSelectionExpression, out var selection, out _);
        var model = new WebSockets.WebSocketApiModel
        {
            ApiName = api.Name,
            StageName = stage.Name,
            Selection = selection,
            Limits = new WebSockets.WebSocketLimits(ws.MaxFrameBytes, ws.MaxMessageBytes, TimeSpan.FromSeconds(ws.IdleTimeoutSeconds),
                TimeSpan.FromSeconds(ws.MaxLifetimeSeconds), ws.SendBufferBytes),
            AllowedOrigins = ws.AllowedOrigins.Contains("*") ? [] : [.. ws.AllowedOrigins.Select(o => Encoding.ASCII.GetBytes(o.ToLowerInvariant()))],
            Subprotocols = [.. ws.Subprotocols.Select(Encoding.ASCII.GetBytes)],
            Connect = routes.Find(r => r.Key == WebSockets.WebSocketRouteKeys.Connect),
            Disconnect = routes.Find(r => r.Key == WebSockets.WebSocketRouteKeys.Disconnect),
            Default = routes.Find(r => r.Key == WebSockets.WebSocketRouteKeys.Default),
            Routes = new WebSockets.WebSocketRouteMap(routes.Where(r => !r.Key.StartsWith('$'))),
            NewConnectionsThrottle = Settings(ws.NewConnectionsThrottle),
        };

        var handshakeConfig = connectConfig ?? ConnectWithoutRoute;
        return new RouteModel
        {
            ApiName = api.Name,
            StageName = stage.Name,
            RouteKey = WebSockets.WebSocketRouteKeys.Connect,
            ParameterNames = [],
            MaxBodyBytes = 0,
            Integration = model,
            Access = CompileAccess(config, new StageRef(api.Name, stage.Name), stage, handshakeConfig),
            Ordinal = ordinal,
        };
    }

    private static ThrottleSettings? Settings(ThrottleConfig? throttle) =>
        throttle is null ? null : new ThrottleSettings(throttle.RateLimit, throttle.BurstLimit);

    private static ImmutableArray<UsagePlanModel> CompilePlans(GatewayConfig config)
    {
        var plans = ImmutableArray.CreateBuilder<UsagePlanModel>(config.UsagePlans.Length);
        foreach (var plan in config.UsagePlans)
        {
            var stages = ImmutableArray.CreateBuilder<StageRef>();
            foreach (string stage in plan.Stages)
            {
                int slash = stage.IndexOf('/', StringComparison.Ordinal);
                stages.Add(new StageRef(stage[..slash], stage[(slash + 1)..]));
            }

            QuotaPeriod period = default;
            if (plan.Quota is { } quota)
            {
                QuotaPeriod.TryParse(quota.Period, quota.Offset, out period);
            }

            plans.Add(new UsagePlanModel
            {
                Name = plan.Name,
                Index = plans.Count,
                Stages = stages.ToImmutable(),
                Throttle = Settings(plan.Throttle),
                RouteThrottles = plan.RouteThrottles.ToImmutableDictionary(r => r.Key, r => Settings(r.Value)!.Value, StringComparer.Ordinal),
                QuotaLimit = plan.Quota?.Limit,
                QuotaPeriod = period,
            });
        }

        return plans.MoveToImmutable();
    }

    /// <summary>Null when nothing on this route limits or authenticates (the request path then skips the step).</summary>
    private static RouteAccessModel? CompileAccess(GatewayConfig config, StageRef stageRef, StageConfig stage, RouteConfig route)
    {
        // As in AWS, usage plans apply to routes that require an API key.
        if (config.Throttle is null && stage.Throttle is null && route.Throttle is null && route.ClientIpThrottle is null && !route.ApiKeyRequired)
        {
            return null;
        }

        return new RouteAccessModel
        {
            Stage = stageRef,
            RouteKey = route.Key,
            ApiKeyRequired = route.ApiKeyRequired,
            StageThrottle = Settings(stage.Throttle),
            RouteThrottle = Settings(route.Throttle),
            ClientIpThrottle = Settings(route.ClientIpThrottle),
        };
    }

    /// <summary>The stage's cache settings with the route's overrides; null when caching is off for this route.</summary>
    private static RouteCachePolicy? CompileCache(string apiName, StageConfig stage, RouteConfig route)
    {
        var s = stage.Cache;
        var r = route.Cache;
        bool enabled = r.Enabled ?? s.Enabled ?? false;
        int ttl = r.TtlSeconds ?? s.TtlSeconds ?? ConfigDefaults.CacheTtlSeconds;
        if (!enabled || ttl == 0)
        {
            return null;
        }

        int methodMask = 0;
        foreach (string method in r.Methods ?? s.Methods ?? [.. ConfigDefaults.CacheMethods])
        {
            TryParseCacheMethod(method, out var parsed);
            methodMask |= 1 << (int)parsed;
        }

        var keyQuery = ImmutableArray.CreateBuilder<byte[]>();
        foreach (string name in r.KeyQuery ?? s.KeyQuery ?? [])
        {
            keyQuery.Add(Encoding.UTF8.GetBytes(name));
        }

        var keyHeaders = ImmutableArray.CreateBuilder<byte[]>();
        foreach (string name in r.KeyHeaders ?? s.KeyHeaders ?? [])
        {
            keyHeaders.Add(Encoding.ASCII.GetBytes(name.ToLowerInvariant()));
        }

        var invalidateKeys = ImmutableArray.CreateBuilder<byte[]>();
        foreach (string apiKey in r.InvalidateApiKeys ?? s.InvalidateApiKeys ?? [])
        {
            invalidateKeys.Add(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
        }

        TryParseUnauthorizedInvalidation(r.UnauthorizedInvalidation ?? s.UnauthorizedInvalidation ?? ConfigDefaults.UnauthorizedInvalidation, out var strategy);
        var stagePrefix = RouteCachePolicy.StagePrefix(apiName, stage.Name);
        return new RouteCachePolicy
        {
            Ttl = TimeSpan.FromSeconds(ttl),
            MethodMask = methodMask,
            KeyQuery = keyQuery.ToImmutable(),
            KeyHeaders = keyHeaders.ToImmutable(),
            Statuses = r.Statuses ?? s.Statuses ?? [.. ConfigDefaults.CacheStatuses],
            CacheSetCookie = r.CacheSetCookie ?? s.CacheSetCookie ?? false,
            RequireAuthorizationForInvalidation = r.RequireAuthorizationForInvalidation ?? s.RequireAuthorizationForInvalidation ?? true,
            Unauthorized = strategy,
            InvalidateKeyHashes = invalidateKeys.ToImmutable(),
            ApiName = apiName,
            StageName = stage.Name,
            KeyPrefix = [.. stagePrefix, .. Encoding.UTF8.GetBytes(route.Key), 0],
            StagePrefixLength = stagePrefix.Length,
        };
    }

    internal static bool TryParseCacheMethod(string text, out HttpMethod method)
    {
        method = RouteKey.ParseMethodName(text);
        return method != HttpMethod.Custom;
    }

    internal static bool TryParseUnauthorizedInvalidation(string text, out UnauthorizedInvalidation strategy)
    {
        (bool ok, strategy) = text switch
        {
            "fail" => (true, UnauthorizedInvalidation.Fail),
            "ignoreWithHeader" => (true, UnauthorizedInvalidation.IgnoreWithHeader),
            "ignore" => (true, UnauthorizedInvalidation.Ignore),
            _ => (false, UnauthorizedInvalidation.IgnoreWithHeader),
        };
        return ok;
    }

    private static ClusterModel CompileCluster(ClusterConfig cluster, int index)
    {
        var destinations = ImmutableArray.CreateBuilder<DestinationModel>(cluster.Destinations.Length);
        foreach (string destination in cluster.Destinations)
        {
            ConfigValidator.TryParseDestination(destination, out string host, out int port);
            destinations.Add(new DestinationModel(host, port));
        }

        TryParseLoadBalancing(cluster.LoadBalancing, out var policy);
        return new ClusterModel
        {
            Name = cluster.Name,
            Index = index,
            LoadBalancing = policy,
            Destinations = destinations.MoveToImmutable(),
            Health = cluster.Health,
            CircuitBreaker = cluster.CircuitBreaker,
            Retries = cluster.Retries,
            Pool = new UpstreamPoolSettings
            {
                MaxConnectionsPerDestination = cluster.MaxConnectionsPerDestination,
                ConnectTimeout = TimeSpan.FromMilliseconds(cluster.ConnectTimeoutMs),
                IdleTimeout = TimeSpan.FromSeconds(cluster.IdleTimeoutSeconds),
                ResponseTimeout = TimeSpan.FromMilliseconds(cluster.ResponseTimeoutMs),
            },
        };
    }

    private static IntegrationModel CompileIntegration(IntegrationConfig integration, RouteKey key, StageConfig stage, Dictionary<string, ClusterModel> clusters)
    {
        if (integration.Type == "mock")
        {
            var headers = ImmutableArray.CreateBuilder<HeaderBytes>(integration.Headers.Length);
            foreach (var header in integration.Headers)
            {
                headers.Add(new HeaderBytes(Encoding.Latin1.GetBytes(header.Key), Encoding.Latin1.GetBytes(header.Value)));
            }

            return new MockIntegrationModel
            {
                StatusCode = integration.Status,
                Headers = headers.MoveToImmutable(),
                Body = Encoding.UTF8.GetBytes(integration.Body),
            };
        }

        var cluster = clusters[integration.Cluster!];
        ImmutableArray<UriTemplatePart> template = [];
        if (integration.Uri is not null)
        {
            UriTemplate.TryParse(integration.Uri, key.ParameterNames, stage.Variables, out template, out _);
        }

        return new HttpIntegrationModel
        {
            Cluster = cluster,
            PathTemplate = template,
            ResponseTimeout = integration.TimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : cluster.Pool.ResponseTimeout,
        };
    }

    /// <summary><c>auto</c> is epoll where the platform has it.</summary>
    internal static bool TryParseTransport(string text, out Transport.TransportKind transport)
    {
        transport = Transport.EpollTransport.IsSupported ? Transport.TransportKind.Epoll : Transport.TransportKind.Sockets;
        if (string.Equals(text, "auto", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(text, "epoll", StringComparison.OrdinalIgnoreCase))
        {
            transport = Transport.TransportKind.Epoll;
            return true;
        }

        transport = Transport.TransportKind.Sockets;
        return string.Equals(text, "sockets", StringComparison.OrdinalIgnoreCase);
    }

    internal static bool TryParseLoadBalancing(string text, out LoadBalancingPolicy policy)
    {
        policy = LoadBalancingPolicy.RoundRobin;
        if (string.Equals(text, "RoundRobin", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(text, "PowerOfTwoChoices", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "LeastRequests", StringComparison.OrdinalIgnoreCase))
        {
            policy = LoadBalancingPolicy.PowerOfTwoChoices;
            return true;
        }

        return false;
    }
}
