using System.Buffers;
using System.Net;

namespace EdgeGw.Core.Configuration;

/// <summary>
/// Checks a <see cref="GatewayConfig"/> for everything the compiler relies on and reports every problem
/// with its JSON path. Ranges are generous but finite: every client-facing limit must stay bounded.
/// </summary>
internal sealed class ConfigValidator
{
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private static readonly SearchValues<char> StageNameChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    private static readonly SearchValues<char> HostNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.");

    // Headers whose value the gateway owns for a mock response.
    private static readonly string[] ReservedMockHeaders =
        ["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "date", "trailer", "te"];

    private static readonly string[] MockOnlyKeys = ["status", "headers", "body"];
    private static readonly string[] HttpOnlyKeys = ["cluster", "uri", "timeoutMs"];

    private readonly List<ConfigError> _errors;

    public ConfigValidator(List<ConfigError> errors) => _errors = errors;

    public void Validate(GatewayConfig config)
    {
        ValidateServer(config.Server);
        ValidateAdmin(config.Admin);
        ValidateCacheStore(config.Cache);
        ValidateThrottle(config.Throttle, "throttle");
        ValidateRedis(config.Redis);
        Range("state.flushIntervalSeconds", config.State.FlushIntervalSeconds, 1, 3600);
        if (string.IsNullOrWhiteSpace(config.State.Path))
        {
            Error("state.path", "a file path is required");
        }
        var clusterNames = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < config.Clusters.Length; i++)
        {
            ValidateCluster(config.Clusters[i], $"clusters[{i}]", clusterNames);
        }

        // A (host binding, stage) pair must name one API; "" stands for "any host".
        var stageOwners = new Dictionary<(string Host, string Stage), string>();
        var apiNames = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < config.Apis.Length; i++)
        {
            ValidateApi(config.Apis[i], $"apis[{i}]", apiNames, clusterNames, stageOwners);
        }

        ValidateUsagePlans(config);
    }

    private void ValidateThrottle(ThrottleConfig? throttle, string path)
    {
        if (throttle is null)
        {
            return;
        }

        if (!(throttle.RateLimit >= 0.001 && throttle.RateLimit <= 10_000_000))
        {
            Error($"{path}.rateLimit", $"{throttle.RateLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)} is outside 0.001..10000000 requests per second");
        }

        Range($"{path}.burstLimit", throttle.BurstLimit, 1, 10_000_000);
    }

    private void ValidateRedis(RedisConfig? redis)
    {
        if (redis is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(redis.Configuration))
        {
            Error("redis.configuration", "required: a StackExchange.Redis configuration string such as \"127.0.0.1:6379\"");
        }

        if (redis.FailMode is not ("open" or "closed"))
        {
            Error("redis.failMode", $"'{redis.FailMode}' is not open (admit while Redis is down) or closed (refuse with 503)");
        }

        Range("redis.syncIntervalMs", redis.SyncIntervalMs, 1, 10_000);
        if (redis.KeyPrefix.Length > 64)
        {
            Error("redis.keyPrefix", "at most 64 characters");
        }
    }

    private void ValidateUsagePlans(GatewayConfig config)
    {
        var stages = new HashSet<string>(StringComparer.Ordinal);
        var routeKeys = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var api in config.Apis)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var route in api.Routes)
            {
                keys.Add(route.Key);
            }

            foreach (var stage in api.Stages)
            {
                stages.Add($"{api.Name}/{stage.Name}");
                routeKeys[$"{api.Name}/{stage.Name}"] = keys;
            }
        }

        var plans = new Dictionary<string, UsagePlanConfig>(StringComparer.Ordinal);
        for (int i = 0; i < config.UsagePlans.Length; i++)
        {
            var plan = config.UsagePlans[i];
            string path = $"usagePlans[{i}]";
            if (plan.Name.Length is 0 or > 128 || plan.Name.AsSpan().ContainsAnyExcept(StageNameChars))
            {
                Error($"{path}.name", $"'{plan.Name}' is not a plan name (1-128 letters, digits, '-', '_')");
            }
            else if (!plans.TryAdd(plan.Name, plan))
            {
                Error($"{path}.name", $"usage plan '{plan.Name}' is defined twice");
            }

            if (plan.Stages.IsEmpty)
            {
                Error($"{path}.stages", "a plan covers at least one stage, written \"api/stage\"");
            }

            for (int s = 0; s < plan.Stages.Length; s++)
            {
                if (!stages.Contains(plan.Stages[s]))
                {
                    Error($"{path}.stages[{s}]", $"'{plan.Stages[s]}' is not a deployed stage (write \"api/stage\")");
                }
            }

            ValidateThrottle(plan.Throttle, $"{path}.throttle");
            foreach (var route in plan.RouteThrottles)
            {
                string routePath = $"{path}.routeThrottles.{route.Key}";
                ValidateThrottle(route.Value, routePath);
                bool known = false;
                foreach (string stage in plan.Stages)
                {
                    known |= routeKeys.TryGetValue(stage, out var keys) && keys.Contains(route.Key);
                }

                if (!known)
                {
                    Error(routePath, $"'{route.Key}' is not a route of the plan's stages");
                }
            }

            if (plan.Quota is { } quota)
            {
                Range($"{path}.quota.limit", quota.Limit, 1, long.MaxValue);
                int maxOffset = quota.Period switch { "DAY" => 23, "WEEK" => 6, "MONTH" => 27, _ => -1 };
                if (maxOffset < 0)
                {
                    Error($"{path}.quota.period", $"'{quota.Period}' is not DAY, WEEK or MONTH");
                }
                else
                {
                    Range($"{path}.quota.offset", quota.Offset, 0, maxOffset);
                }
            }
        }

        var apiKeys = config.ApiKeys;
        if (apiKeys.Header.Length is 0 or > 64 || apiKeys.Header.AsSpan().ContainsAnyExcept(TokenChars))
        {
            Error("apiKeys.header", $"'{apiKeys.Header}' is not a header name");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var values = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < apiKeys.Keys.Length; i++)
        {
            var key = apiKeys.Keys[i];
            string path = $"apiKeys.keys[{i}]";
            if (key.Id.Length is 0 or > 128 || key.Id.AsSpan().ContainsAnyExcept(StageNameChars))
            {
                Error($"{path}.id", $"'{key.Id}' is not a key id (1-128 letters, digits, '-', '_')");
            }
            else if (!ids.Add(key.Id))
            {
                Error($"{path}.id", $"key id '{key.Id}' is used twice");
            }

            if ((key.Value is null) == (key.Sha256 is null))
            {
                Error(path, "give exactly one of value (the plain key) or sha256 (its hex digest)");
            }
            else if (key.Value is not null && (key.Value.Length is < 20 or > 256 || key.Value.AsSpan().ContainsAnyExcept(TokenChars)))
            {
                Error($"{path}.value", "an API key is 20-256 characters without spaces or separators");
            }
            else if (key.Sha256 is not null && (key.Sha256.Length != 64 || !key.Sha256.All(char.IsAsciiHexDigit)))
            {
                Error($"{path}.sha256", "expected 64 hex digits (the SHA-256 of the key)");
            }
            else if (!values.Add(key.Value is not null ? ApiKeyDigest(key.Value) : key.Sha256!.ToLowerInvariant()))
            {
                Error(path, "the same key is defined twice");
            }

            var stageOwner = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int p = 0; p < key.UsagePlans.Length; p++)
            {
                string planName = key.UsagePlans[p];
                if (!plans.TryGetValue(planName, out var plan))
                {
                    Error($"{path}.usagePlans[{p}]", $"usage plan '{planName}' is not defined");
                    continue;
                }

                foreach (string stage in plan.Stages)
                {
                    if (!stageOwner.TryAdd(stage, planName))
                    {
                        Error($"{path}.usagePlans[{p}]", $"stage '{stage}' is already covered by plan '{stageOwner[stage]}' for this key (one plan per stage)");
                    }
                }
            }
        }
    }

    /// <summary>Lower-case hex SHA-256 of a plain key: how keys are stored and compared.</summary>
    internal static string ApiKeyDigest(string key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));

    private void ValidateServer(ServerConfig server)
    {
        if (server.Listen.IsEmpty)
        {
            Error("server.listen", "at least one listen URL is required");
        }

        for (int i = 0; i < server.Listen.Length; i++)
        {
            string url = server.Listen[i];
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                || uri.Scheme != "http" || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !url.Contains(':', StringComparison.Ordinal))
            {
                Error($"server.listen[{i}]", $"'{url}' is not a listen URL like http://0.0.0.0:8080 (http only; TLS terminates in front of the gateway)");
            }
            else if (uri.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6) && uri.Host != "localhost")
            {
                Error($"server.listen[{i}]", $"'{uri.Host}' must be an IP address, localhost, * or +");
            }
        }

        Range("server.drainTimeoutSeconds", server.DrainTimeoutSeconds, 0, 3600);
        Range("server.keepAliveTimeoutSeconds", server.KeepAliveTimeoutSeconds, 1, 3600);
        Range("server.requestHeadTimeoutSeconds", server.RequestHeadTimeoutSeconds, 1, 600);
        Range("server.tunnelIdleTimeoutSeconds", server.TunnelIdleTimeoutSeconds, 1, 86_400);
        Range("server.tunnelMaxLifetimeSeconds", server.TunnelMaxLifetimeSeconds, 1, 7 * 86_400);
        if (!ModelCompiler.TryParseTransport(server.Transport, out var transport))
        {
            Error("server.transport", $"'{server.Transport}' is not auto, epoll or sockets");
        }
        else if (transport == Transport.TransportKind.Epoll && !Transport.EpollTransport.IsSupported)
        {
            Error("server.transport", "epoll needs Linux on x64 or arm64; use auto or sockets");
        }
        var limits = server.Limits;
        Range("server.limits.maxRequestLineBytes", limits.MaxRequestLineBytes, 64, 1024 * 1024);
        Range("server.limits.maxHeaderBytes", limits.MaxHeaderBytes, 256, 1024 * 1024);
        Range("server.limits.maxHeaderCount", limits.MaxHeaderCount, 1, 1000);
        Range("server.limits.maxBodyBytes", limits.MaxBodyBytes, 0, long.MaxValue);
        Range("server.limits.maxConnections", limits.MaxConnections, 1, 10_000_000);
        Range("server.limits.maxRequestsPerConnection", limits.MaxRequestsPerConnection, 0, int.MaxValue);
        Range("server.limits.minBodyBytesPerSecond", limits.MinBodyBytesPerSecond, 0, 1_000_000_000);
    }

    private void ValidateAdmin(AdminConfig admin)
    {
        for (int i = 0; i < admin.Listen.Length; i++)
        {
            string url = admin.Listen[i];
            string path = $"admin.listen[{i}]";
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "http" || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query)
                || uri.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6) && uri.Host != "localhost")
            {
                Error(path, $"'{url}' is not a listen URL like http://127.0.0.1:9901");
            }
            else if (!uri.IsLoopback && !admin.AllowRemote)
            {
                Error(path, $"'{url}' is not a loopback address; the admin API has no authentication (set admin.allowRemote to true to expose it anyway)");
            }
        }
    }

    private void ValidateCacheStore(CacheStoreConfig cache)
    {
        Range("cache.maxBytes", cache.MaxBytes, 0, 1L << 40);
        Range("cache.maxEntryBytes", cache.MaxEntryBytes, 1, 64 * 1024 * 1024);
        if (cache.MaxBytes > 0 && cache.MaxEntryBytes > cache.MaxBytes)
        {
            Error("cache.maxEntryBytes", $"{cache.MaxEntryBytes} is larger than cache.maxBytes ({cache.MaxBytes})");
        }

        if (cache.StatusHeader.AsSpan().ContainsAnyExcept(TokenChars) || cache.StatusHeader.Length > 64)
        {
            Error("cache.statusHeader", $"'{cache.StatusHeader}' is not a header name (use \"\" to send none)");
        }
        else if (Array.IndexOf(ReservedMockHeaders, cache.StatusHeader.ToLowerInvariant()) >= 0 || string.Equals(cache.StatusHeader, "age", StringComparison.OrdinalIgnoreCase))
        {
            Error("cache.statusHeader", "this header is set by the gateway");
        }

        Range("cache.coalesceTimeoutMs", cache.CoalesceTimeoutMs, 0, 60_000);
    }

    private static readonly string[] UnauthorizedInvalidationValues = ["fail", "ignoreWithHeader", "ignore"];

    private void ValidateCache(CacheConfig cache, string path)
    {
        if (cache.TtlSeconds is { } ttl)
        {
            Range($"{path}.ttlSeconds", ttl, 0, ConfigDefaults.CacheMaxTtlSeconds);
        }

        if (cache.Methods is { } methods)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < methods.Length; i++)
            {
                if (!ModelCompiler.TryParseCacheMethod(methods[i], out _))
                {
                    Error($"{path}.methods[{i}]", $"'{methods[i]}' is not one of GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
                }
                else if (!seen.Add(methods[i]))
                {
                    Error($"{path}.methods[{i}]", $"'{methods[i]}' is listed twice");
                }
            }
        }

        if (cache.KeyQuery is { } query)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < query.Length; i++)
            {
                string name = query[i];
                if (name.Length is 0 or > 256 || name.AsSpan().IndexOfAny("&=#? ") >= 0 || !UriTemplate.IsPathSafe(name))
                {
                    Error($"{path}.keyQuery[{i}]", $"'{name}' is not a query parameter name as it appears in the URL (1-256 characters, no & = # ?)");
                }
                else if (!seen.Add(name))
                {
                    Error($"{path}.keyQuery[{i}]", $"'{name}' is listed twice");
                }
            }
        }

        if (cache.KeyHeaders is { } headers)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < headers.Length; i++)
            {
                string name = headers[i];
                if (name.Length is 0 or > 256 || name.AsSpan().ContainsAnyExcept(TokenChars))
                {
                    Error($"{path}.keyHeaders[{i}]", $"'{name}' is not a header name");
                }
                else if (!seen.Add(name))
                {
                    Error($"{path}.keyHeaders[{i}]", $"'{name}' is listed twice");
                }
            }
        }

        if (cache.Statuses is { } statuses)
        {
            for (int i = 0; i < statuses.Length; i++)
            {
                Range($"{path}.statuses[{i}]", statuses[i], 200, 599);
            }
        }

        if (cache.UnauthorizedInvalidation is { } strategy && Array.IndexOf(UnauthorizedInvalidationValues, strategy) < 0)
        {
            Error($"{path}.unauthorizedInvalidation", $"'{strategy}' is not fail, ignoreWithHeader or ignore");
        }

        if (cache.InvalidateApiKeys is { } keys)
        {
            for (int i = 0; i < keys.Length; i++)
            {
                if (keys[i].Length is < 16 or > 256 || keys[i].AsSpan().ContainsAnyExcept(TokenChars))
                {
                    Error($"{path}.invalidateApiKeys[{i}]", "an API key is 16-256 characters without spaces or separators");
                }
            }
        }
    }

    private void ValidateCluster(ClusterConfig cluster, string path, HashSet<string> names)
    {
        if (cluster.Name.Length == 0)
        {
            Error($"{path}.name", "a cluster needs a name");
        }
        else if (!names.Add(cluster.Name))
        {
            Error($"{path}.name", $"cluster '{cluster.Name}' is defined twice");
        }

        if (!ModelCompiler.TryParseLoadBalancing(cluster.LoadBalancing, out _))
        {
            Error($"{path}.loadBalancing", $"'{cluster.LoadBalancing}' is not RoundRobin or PowerOfTwoChoices");
        }

        if (cluster.Destinations.IsEmpty)
        {
            Error($"{path}.destinations", "at least one destination (host:port) is required");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < cluster.Destinations.Length; i++)
        {
            string destination = cluster.Destinations[i];
            if (!TryParseDestination(destination, out _, out _))
            {
                Error($"{path}.destinations[{i}]", $"'{destination}' is not host:port (IPv6 as [::1]:port; no scheme or path)");
            }
            else if (!seen.Add(destination))
            {
                Error($"{path}.destinations[{i}]", $"'{destination}' is listed twice");
            }
        }

        Range($"{path}.maxConnectionsPerDestination", cluster.MaxConnectionsPerDestination, 1, 65536);
        Range($"{path}.connectTimeoutMs", cluster.ConnectTimeoutMs, 1, 300_000);
        Range($"{path}.idleTimeoutSeconds", cluster.IdleTimeoutSeconds, 1, 3600);
        Range($"{path}.responseTimeoutMs", cluster.ResponseTimeoutMs, 1, 3_600_000);
        Range($"{path}.retries", cluster.Retries, 0, Model.ClusterModel.MaxRetries);
        Range($"{path}.health.consecutiveFailures", cluster.Health.ConsecutiveFailures, 1, 1000);
        Range($"{path}.health.reactivationSeconds", cluster.Health.ReactivationSeconds, 1, 3600);
        if (cluster.Health.Active is { } active)
        {
            if (!active.Path.StartsWith('/') || !UriTemplate.IsPathSafe(active.Path))
            {
                Error($"{path}.health.active.path", $"'{active.Path}' is not a path such as /health");
            }

            Range($"{path}.health.active.intervalSeconds", active.IntervalSeconds, 1, 3600);
            Range($"{path}.health.active.timeoutMs", active.TimeoutMs, 1, 60_000);
            Range($"{path}.health.active.healthyThreshold", active.HealthyThreshold, 1, 100);
            Range($"{path}.health.active.unhealthyThreshold", active.UnhealthyThreshold, 1, 100);
        }

        if (cluster.CircuitBreaker is { } breaker)
        {
            if (!(breaker.FailureRatio > 0 && breaker.FailureRatio <= 1))
            {
                Error($"{path}.circuitBreaker.failureRatio", "must be in (0, 1]");
            }

            Range($"{path}.circuitBreaker.minimumRequests", breaker.MinimumRequests, 1, 1_000_000);
            Range($"{path}.circuitBreaker.windowSeconds", breaker.WindowSeconds, 1, 3600);
            Range($"{path}.circuitBreaker.openSeconds", breaker.OpenSeconds, 1, 3600);
        }
    }

    private void ValidateApi(ApiConfig api, string path, HashSet<string> names, HashSet<string> clusters, Dictionary<(string, string), string> stageOwners)
    {
        if (api.Name.Length == 0)
        {
            Error($"{path}.name", "an API needs a name");
        }
        else if (!names.Add(api.Name))
        {
            Error($"{path}.name", $"API '{api.Name}' is defined twice");
        }

        var hosts = new List<string>();
        for (int i = 0; i < api.Hosts.Length; i++)
        {
            string host = api.Hosts[i];
            if (host.Length is 0 or > 253 || host.AsSpan().ContainsAnyExcept(HostNameChars) || host.StartsWith('.') || host.EndsWith('.'))
            {
                Error($"{path}.hosts[{i}]", $"'{host}' is not a host name (no scheme, port or path; matched case-insensitively on the Host header)");
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
            Error($"{path}.stages", "at least one stage is required (use \"$default\" to serve without a path prefix)");
        }

        var stageNames = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < api.Stages.Length; i++)
        {
            var stage = api.Stages[i];
            string stagePath = $"{path}.stages[{i}]";
            if (stage.Name != RouteKey.DefaultKey && (stage.Name.Length is 0 or > 128 || stage.Name.AsSpan().ContainsAnyExcept(StageNameChars)))
            {
                Error($"{stagePath}.name", $"'{stage.Name}' is not a stage name (1-128 letters, digits, '-', '_', or \"$default\")");
                continue;
            }

            if (!stageNames.Add(stage.Name))
            {
                Error($"{stagePath}.name", $"stage '{stage.Name}' is defined twice");
                continue;
            }

            foreach (string host in hosts)
            {
                if (!stageOwners.TryAdd((host, stage.Name), api.Name))
                {
                    string where = host.Length == 0 ? "without a host binding" : $"for host '{host}'";
                    Error($"{stagePath}.name", $"stage '{stage.Name}' {where} is already served by API '{stageOwners[(host, stage.Name)]}'");
                }
            }

            ValidateCache(stage.Cache, $"{stagePath}.cache");
            ValidateThrottle(stage.Throttle, $"{stagePath}.throttle");
            foreach (var variable in stage.Variables)
            {
                if (variable.Key.AsSpan().ContainsAnyExcept(StageNameChars))
                {
                    Error($"{stagePath}.variables.{variable.Key}", "a variable name may contain only letters, digits, '-' and '_'");
                }
                else if (variable.Value.Length > 2048 || !UriTemplate.IsPathSafe(variable.Value))
                {
                    Error($"{stagePath}.variables.{variable.Key}", "a variable value may contain only characters allowed in a URL path (at most 2048)");
                }
            }
        }

        if (api.Protocol == "websocket")
        {
            ValidateWebSocketApi(api, path, clusters);
            return;
        }

        if (api.Protocol != "http")
        {
            Error($"{path}.protocol", $"'{api.Protocol}' is not \"http\" or \"websocket\"");
        }

        if (api.RouteSelectionExpression is not null)
        {
            Error($"{path}.routeSelectionExpression", "only a WebSocket API (\"protocol\": \"websocket\") selects routes from messages");
        }

        if (!ReferenceEquals(api.WebSocket, WebSocketApiConfig.Default))
        {
            Error($"{path}.webSocket", "only a WebSocket API (\"protocol\": \"websocket\") has WebSocket settings");
        }

        var shapes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < api.Routes.Length; i++)
        {
            ValidateRoute(api, api.Routes[i], $"{path}.routes[{i}]", i, clusters, shapes);
        }
    }

    private void ValidateWebSocketApi(ApiConfig api, string path, HashSet<string> clusters)
    {
        if (!WebSockets.RouteSelectionExpression.TryParse(api.RouteSelectionExpression ?? ConfigDefaults.RouteSelectionExpression, out _, out string expressionError))
        {
            Error($"{path}.routeSelectionExpression", expressionError);
        }

        var ws = api.WebSocket;
        string wsPath = $"{path}.webSocket";
        Range($"{wsPath}.maxFrameBytes", ws.MaxFrameBytes, 125, 16 * 1024 * 1024);
        Range($"{wsPath}.maxMessageBytes", ws.MaxMessageBytes, Math.Max(125, ws.MaxFrameBytes), 16 * 1024 * 1024);
        Range($"{wsPath}.idleTimeoutSeconds", ws.IdleTimeoutSeconds, 1, 86_400);
        Range($"{wsPath}.maxLifetimeSeconds", ws.MaxLifetimeSeconds, 1, 7 * 86_400);
        Range($"{wsPath}.sendBufferBytes", ws.SendBufferBytes, 1024, 64 * 1024 * 1024);
        ValidateThrottle(ws.NewConnectionsThrottle, $"{wsPath}.newConnectionsThrottle");
        for (int i = 0; i < ws.AllowedOrigins.Length; i++)
        {
            string origin = ws.AllowedOrigins[i];
            if (origin != "*" && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.PathAndQuery == "/" && !origin.EndsWith('/')))
            {
                Error($"{wsPath}.allowedOrigins[{i}]", $"'{origin}' is not an origin such as \"https://app.example.com\" (scheme, host and optional port; or \"*\")");
            }
        }

        for (int i = 0; i < ws.Subprotocols.Length; i++)
        {
            if (ws.Subprotocols[i].Length == 0 || ws.Subprotocols[i].AsSpan().ContainsAnyExcept(TokenChars))
            {
                Error($"{wsPath}.subprotocols[{i}]", $"'{ws.Subprotocols[i]}' is not a subprotocol token");
            }
        }

        var keys = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < api.Routes.Length; i++)
        {
            var route = api.Routes[i];
            string routePath = $"{path}.routes[{i}]";
            bool special = route.Key is WebSockets.WebSocketRouteKeys.Connect or WebSockets.WebSocketRouteKeys.Disconnect or WebSockets.WebSocketRouteKeys.Default;
            if (!special && (route.Key.Length is 0 or > 128 || route.Key.StartsWith('$') || route.Key.AsSpan().ContainsAnyInRange('\0', '\u001F')))
            {
                Error($"{routePath}.key", $"'{route.Key}' is not a WebSocket route key (\"$connect\", \"$disconnect\", \"$default\", or 1-128 characters not starting with '$')");
            }
            else if (!keys.TryAdd(route.Key, i))
            {
                Error($"{routePath}.key", $"'{route.Key}' is defined twice (routes[{keys[route.Key]}])");
            }

            bool connect = route.Key == WebSockets.WebSocketRouteKeys.Connect;
            if (route.RouteResponse && (connect || route.Key == WebSockets.WebSocketRouteKeys.Disconnect))
            {
                Error($"{routePath}.routeResponse", $"{route.Key} has no client to answer: its integration's status decides (for $connect) or is ignored");
            }

            if (!ReferenceEquals(route.Cache, CacheConfig.None))
            {
                Error($"{routePath}.cache", "WebSocket routes are not cached");
            }

            if (route.MaxBodyBytes is not null)
            {
                Error($"{routePath}.maxBodyBytes", "a WebSocket API limits messages with webSocket.maxMessageBytes");
            }

            if (!connect && (route.Throttle is not null || route.ClientIpThrottle is not null || route.ApiKeyRequired))
            {
                Error(routePath, "throttles and apiKeyRequired apply to the handshake: set them on the $connect route");
            }

            ValidateThrottle(route.Throttle, $"{routePath}.throttle");
            ValidateThrottle(route.ClientIpThrottle, $"{routePath}.clientIpThrottle");
            ValidateIntegration(api, route.Integration, $"{routePath}.integration", clusters, []);
        }
    }

    private void ValidateRoute(ApiConfig api, RouteConfig route, string path, int index, HashSet<string> clusters, Dictionary<string, int> shapes)
    {
        if (route.RouteResponse)
        {
            Error($"{path}.routeResponse", "only WebSocket API routes send responses as messages");
        }

        RouteKey? key = null;
        if (route.Key.Length == 0)
        {
            Error($"{path}.key", "a route needs a key such as \"GET /pets/{id}\" or \"$default\"");
        }
        else if (!RouteKey.TryParse(route.Key, out key, out string keyError))
        {
            Error($"{path}.key", keyError);
        }
        else if (!shapes.TryAdd(key.Shape, index))
        {
            Error($"{path}.key", $"'{route.Key}' matches the same requests as routes[{shapes[key.Shape]}]");
        }

        ValidateCache(route.Cache, $"{path}.cache");
        ValidateThrottle(route.Throttle, $"{path}.throttle");
        ValidateThrottle(route.ClientIpThrottle, $"{path}.clientIpThrottle");
        if (route.MaxBodyBytes is < 0)
        {
            Error($"{path}.maxBodyBytes", "must be 0 or more");
        }

        ValidateIntegration(api, route.Integration, $"{path}.integration", clusters, key?.ParameterNames);
    }

    private void ValidateIntegration(ApiConfig api, IntegrationConfig integration, string integrationPath, HashSet<string> clusters, System.Collections.Immutable.ImmutableArray<string>? parameterNames)
    {
        switch (integration.Type)
        {
            case "mock":
                ForeignKeys(integration, integrationPath, HttpOnlyKeys, "mock");
                Range($"{integrationPath}.status", integration.Status, 200, 599);
                if (integration.Status is 204 or 304 && integration.Body.Length > 0)
                {
                    Error($"{integrationPath}.body", $"a {integration.Status} response has no body");
                }

                foreach (var header in integration.Headers)
                {
                    string headerPath = $"{integrationPath}.headers.{header.Key}";
                    if (header.Key.AsSpan().ContainsAnyExcept(TokenChars))
                    {
                        Error(headerPath, "not a valid header name");
                    }
                    else if (Array.IndexOf(ReservedMockHeaders, header.Key.ToLowerInvariant()) >= 0)
                    {
                        Error(headerPath, "this header is set by the gateway");
                    }

                    foreach (char c in header.Value)
                    {
                        if (c is < ' ' and not '\t' or (char)0x7F or > (char)0xFF)
                        {
                            Error(headerPath, "a header value may not contain control or non-Latin-1 characters");
                            break;
                        }
                    }
                }

                break;
            case "http":
                ForeignKeys(integration, integrationPath, MockOnlyKeys, "http");
                if (string.IsNullOrEmpty(integration.Cluster))
                {
                    Error($"{integrationPath}.cluster", "an http integration needs a cluster");
                }
                else if (!clusters.Contains(integration.Cluster))
                {
                    Error($"{integrationPath}.cluster", $"cluster '{integration.Cluster}' is not defined");
                }

                if (integration.TimeoutMs is { } timeout)
                {
                    Range($"{integrationPath}.timeoutMs", timeout, 1, 3_600_000);
                }

                if (integration.Uri is not null && parameterNames is { } names)
                {
                    foreach (var stage in api.Stages)
                    {
                        if (!UriTemplate.TryParse(integration.Uri, names, stage.Variables, out _, out string uriError))
                        {
                            Error($"{integrationPath}.uri", api.Stages.Length > 1 ? $"{uriError} (stage '{stage.Name}')" : uriError);
                            break;
                        }
                    }
                }

                break;
            case "":
                Error($"{integrationPath}.type", "required: \"mock\" or \"http\"");
                break;
            default:
                Error($"{integrationPath}.type", $"'{integration.Type}' is not \"mock\" or \"http\"");
                break;
        }
    }

    private void ForeignKeys(IntegrationConfig integration, string path, string[] foreign, string type)
    {
        foreach (string key in integration.KeysPresent)
        {
            foreach (string candidate in foreign)
            {
                if (string.Equals(candidate, key, StringComparison.OrdinalIgnoreCase))
                {
                    Error($"{path}.{key}", $"not used by a {type} integration");
                }
            }
        }
    }

    internal static bool TryParseDestination(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
            return IPAddress.TryParse(host, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        return host.Length <= 253 && !host.AsSpan().ContainsAnyExcept(HostNameChars) && !host.StartsWith('.') && !host.StartsWith('-');
    }

    private void Range(string path, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            Error(path, max == long.MaxValue ? $"{value} is less than {min}" : $"{value} is outside {min}..{max}");
        }
    }

    private void Error(string path, string message) => _errors.Add(new ConfigError(path, message));
}
