using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Configuration;

/// <summary>
/// Reads the merged configuration (file, environment, command line) into <see cref="GatewayConfig"/>.
/// Reports type errors and unknown keys with their JSON paths and keeps going, so that one pass finds
/// every problem; absent keys take <see cref="ConfigDefaults"/>.
/// </summary>
internal sealed class ConfigReader
{
    private static readonly string[] RootKeys = ["server", "admin", "cache", "throttle", "apiKeys", "usagePlans", "redis", "state", "clusters", "apis"];
    private static readonly string[] ThrottleKeys = ["rateLimit", "burstLimit"];
    private static readonly string[] ApiKeysKeys = ["header", "keys"];
    private static readonly string[] ApiKeyKeys = ["id", "value", "sha256", "enabled", "usagePlans"];
    private static readonly string[] UsagePlanKeys = ["name", "stages", "throttle", "routeThrottles", "quota"];
    private static readonly string[] QuotaKeys = ["limit", "period", "offset"];
    private static readonly string[] RedisKeys = ["configuration", "failMode", "syncIntervalMs", "keyPrefix"];
    private static readonly string[] StateKeys = ["path", "flushIntervalSeconds"];
    private static readonly string[] AdminKeys = ["listen", "allowRemote"];
    private static readonly string[] CacheStoreKeys = ["maxBytes", "maxEntryBytes", "statusHeader", "coalesceTimeoutMs"];
    private static readonly string[] CacheKeys =
    [
        "enabled", "ttlSeconds", "methods", "keyQuery", "keyHeaders", "statuses", "cacheSetCookie",
        "requireAuthorizationForInvalidation", "unauthorizedInvalidation", "invalidateApiKeys",
    ];
    private static readonly string[] ServerKeys =
        ["listen", "drainTimeoutSeconds", "keepAliveTimeoutSeconds", "requestHeadTimeoutSeconds", "tunnelIdleTimeoutSeconds", "tunnelMaxLifetimeSeconds", "transport", "limits"];
    private static readonly string[] LimitKeys = ["maxRequestLineBytes", "maxHeaderBytes", "maxHeaderCount", "maxBodyBytes", "maxConnections", "maxRequestsPerConnection", "minBodyBytesPerSecond"];
    private static readonly string[] ClusterKeys =
        ["name", "loadBalancing", "destinations", "maxConnectionsPerDestination", "connectTimeoutMs", "idleTimeoutSeconds", "responseTimeoutMs", "health", "circuitBreaker", "retries"];
    private static readonly string[] HealthKeys = ["consecutiveFailures", "reactivationSeconds", "active"];
    private static readonly string[] ActiveHealthKeys = ["path", "intervalSeconds", "timeoutMs", "healthyThreshold", "unhealthyThreshold"];
    private static readonly string[] BreakerKeys = ["failureRatio", "minimumRequests", "windowSeconds", "openSeconds"];
    private static readonly string[] ApiKeys = ["name", "hosts", "stages", "routes", "protocol", "routeSelectionExpression", "webSocket"];
    private static readonly string[] WebSocketKeys =
        ["allowedOrigins", "subprotocols", "maxFrameBytes", "maxMessageBytes", "idleTimeoutSeconds", "maxLifetimeSeconds", "sendBufferBytes", "newConnectionsThrottle"];
    private static readonly string[] StageKeys = ["name", "variables", "cache", "throttle"];
    private static readonly string[] RouteKeys = ["key", "maxBodyBytes", "integration", "cache", "throttle", "clientIpThrottle", "apiKeyRequired", "routeResponse"];
    private static readonly string[] IntegrationKeys = ["type", "status", "headers", "body", "cluster", "uri", "timeoutMs"];

    // EDGEGW_CONFIG names the file itself; it arrives as a root key through the environment provider.
    private static readonly string[] IgnoredRootKeys = ["config"];

    private readonly List<ConfigError> _errors;

    public ConfigReader(List<ConfigError> errors) => _errors = errors;

    public GatewayConfig Read(IConfiguration root)
    {
        CheckKeys(root, "", RootKeys, IgnoredRootKeys);
        var server = ReadServer(root.GetSection("server"), "server");
        var clusters = ReadArray(root.GetSection("clusters"), "clusters", ReadCluster);
        var apis = ReadArray(root.GetSection("apis"), "apis", ReadApi);
        return new GatewayConfig(server, clusters, apis)
        {
            Admin = ReadAdmin(root.GetSection("admin"), "admin"),
            Cache = ReadCacheStore(root.GetSection("cache"), "cache"),
            Throttle = ReadThrottle(root.GetSection("throttle"), "throttle"),
            ApiKeys = ReadApiKeys(root.GetSection("apiKeys"), "apiKeys"),
            UsagePlans = ReadArray(root.GetSection("usagePlans"), "usagePlans", ReadUsagePlan),
            Redis = ReadRedis(root.GetSection("redis"), "redis"),
            State = ReadState(root.GetSection("state"), "state"),
        };
    }

    private ThrottleConfig? ReadThrottle(IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return null;
        }

        CheckObject(section, path, ThrottleKeys);
        int errorsBefore = _errors.Count;
        double rate = 0;
        var rateSection = section.GetSection("rateLimit");
        if (!rateSection.Exists())
        {
            Error(Join(path, "rateLimit"), "required (requests per second)");
        }
        else if (!double.TryParse(rateSection.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out rate))
        {
            Error(Join(path, "rateLimit"), $"expected a number, got '{rateSection.Value}'");
        }

        int? burst = ReadInt(section, path, "burstLimit");
        if (burst is null && !section.GetSection("burstLimit").Exists())
        {
            Error(Join(path, "burstLimit"), "required (the bucket size)");
        }

        // Reported already: returning nothing keeps validation from repeating it as a range error.
        return _errors.Count > errorsBefore ? null : new ThrottleConfig(rate, burst ?? 0);
    }

    private ApiKeysConfig ReadApiKeys(IConfigurationSection section, string path)
    {
        CheckObject(section, path, ApiKeysKeys);
        return new ApiKeysConfig(section["header"] ?? ConfigDefaults.ApiKeyHeader, ReadArray(section.GetSection("keys"), Join(path, "keys"), ReadApiKey));
    }

    private ApiKeyConfig ReadApiKey(IConfigurationSection section, string path)
    {
        CheckObject(section, path, ApiKeyKeys);
        return new ApiKeyConfig(
            section["id"] ?? "",
            section["value"],
            section["sha256"],
            ReadBool(section, path, "enabled") ?? true,
            ReadStrings(section.GetSection("usagePlans"), Join(path, "usagePlans")));
    }

    private UsagePlanConfig ReadUsagePlan(IConfigurationSection section, string path)
    {
        CheckObject(section, path, UsagePlanKeys);
        var routeThrottles = ImmutableArray.CreateBuilder<KeyValuePair<string, ThrottleConfig>>();
        var routes = section.GetSection("routeThrottles");
        string routesPath = Join(path, "routeThrottles");
        if (routes.Value is { Length: > 0 })
        {
            Error(routesPath, "expected an object of route key → throttle");
        }
        else
        {
            foreach (var child in routes.GetChildren())
            {
                if (ReadThrottle(child, Join(routesPath, child.Key)) is { } throttle)
                {
                    routeThrottles.Add(new(child.Key, throttle));
                }
            }
        }

        QuotaConfig? quota = null;
        var quotaSection = section.GetSection("quota");
        if (quotaSection.Exists())
        {
            string quotaPath = Join(path, "quota");
            CheckObject(quotaSection, quotaPath, QuotaKeys);
            quota = new QuotaConfig(ReadLong(quotaSection, quotaPath, "limit") ?? -1, quotaSection["period"] ?? "", ReadInt(quotaSection, quotaPath, "offset") ?? 0);
        }

        return new UsagePlanConfig(
            section["name"] ?? "",
            ReadStrings(section.GetSection("stages"), Join(path, "stages")),
            ReadThrottle(section.GetSection("throttle"), Join(path, "throttle")),
            routeThrottles.ToImmutable(),
            quota);
    }

    private RedisConfig? ReadRedis(IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return null;
        }

        CheckObject(section, path, RedisKeys);
        return new RedisConfig(
            section["configuration"] ?? "",
            section["failMode"] ?? ConfigDefaults.RedisFailMode,
            ReadInt(section, path, "syncIntervalMs") ?? ConfigDefaults.RedisSyncIntervalMs,
            section["keyPrefix"] ?? ConfigDefaults.RedisKeyPrefix);
    }

    private StateConfig ReadState(IConfigurationSection section, string path)
    {
        CheckObject(section, path, StateKeys);
        return new StateConfig(section["path"] ?? ConfigDefaults.StatePath, ReadInt(section, path, "flushIntervalSeconds") ?? ConfigDefaults.StateFlushIntervalSeconds);
    }

    private AdminConfig ReadAdmin(IConfigurationSection section, string path)
    {
        CheckObject(section, path, AdminKeys);
        var listen = section.GetSection("listen").Exists()
            ? ReadStrings(section.GetSection("listen"), Join(path, "listen"))
            : AdminConfig.Default.Listen;
        return new AdminConfig(listen, ReadBool(section, path, "allowRemote") ?? false);
    }

    private CacheStoreConfig ReadCacheStore(IConfigurationSection section, string path)
    {
        CheckObject(section, path, CacheStoreKeys);
        var defaults = CacheStoreConfig.Default;
        return new CacheStoreConfig(
            ReadLong(section, path, "maxBytes") ?? defaults.MaxBytes,
            ReadInt(section, path, "maxEntryBytes") ?? defaults.MaxEntryBytes,
            section["statusHeader"] ?? defaults.StatusHeader,
            ReadInt(section, path, "coalesceTimeoutMs") ?? defaults.CoalesceTimeoutMs);
    }

    private CacheConfig ReadCache(IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return CacheConfig.None;
        }

        CheckObject(section, path, CacheKeys);
        return new CacheConfig(
            ReadBool(section, path, "enabled"),
            ReadInt(section, path, "ttlSeconds"),
            ReadOptionalStrings(section, path, "methods"),
            ReadOptionalStrings(section, path, "keyQuery"),
            ReadOptionalStrings(section, path, "keyHeaders"),
            ReadOptionalInts(section, path, "statuses"),
            ReadBool(section, path, "cacheSetCookie"),
            ReadBool(section, path, "requireAuthorizationForInvalidation"),
            section["unauthorizedInvalidation"],
            ReadOptionalStrings(section, path, "invalidateApiKeys"));
    }

    private ImmutableArray<string>? ReadOptionalStrings(IConfigurationSection section, string path, string key) =>
        section.GetSection(key).Exists() ? ReadStrings(section.GetSection(key), Join(path, key)) : null;

    private ImmutableArray<int>? ReadOptionalInts(IConfigurationSection section, string path, string key)
    {
        var child = section.GetSection(key);
        if (!child.Exists())
        {
            return null;
        }

        var items = ImmutableArray.CreateBuilder<int>();
        string arrayPath = Join(path, key);
        foreach (var (index, element) in ArrayChildren(child, arrayPath))
        {
            if (!int.TryParse(element.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
            {
                Error($"{arrayPath}[{index}]", "expected an integer");
                continue;
            }

            items.Add(value);
        }

        return items.ToImmutable();
    }

    private bool? ReadBool(IConfigurationSection section, string path, string key)
    {
        var child = section.GetSection(key);
        if (!child.Exists())
        {
            return null;
        }

        if (bool.TryParse(child.Value, out bool value))
        {
            return value;
        }

        Error(Join(path, key), $"expected true or false, got '{child.Value}'");
        return null;
    }

    private ServerConfig ReadServer(IConfigurationSection section, string path)
    {
        CheckObject(section, path, ServerKeys);
        int errorsBefore = _errors.Count;
        var listen = ReadStrings(section.GetSection("listen"), Join(path, "listen"));
        // Absent, or already reported: the default keeps validation from repeating the problem as "no listen URL".
        if (!section.GetSection("listen").Exists() || _errors.Count > errorsBefore)
        {
            listen = [ConfigDefaults.Listen];
        }

        var limitsSection = section.GetSection("limits");
        string limitsPath = Join(path, "limits");
        CheckObject(limitsSection, limitsPath, LimitKeys);
        var limits = new LimitsConfig(
            ReadInt(limitsSection, limitsPath, "maxRequestLineBytes") ?? ConfigDefaults.MaxRequestLineBytes,
            ReadInt(limitsSection, limitsPath, "maxHeaderBytes") ?? ConfigDefaults.MaxHeaderBytes,
            ReadInt(limitsSection, limitsPath, "maxHeaderCount") ?? ConfigDefaults.MaxHeaderCount,
            ReadLong(limitsSection, limitsPath, "maxBodyBytes") ?? ConfigDefaults.MaxBodyBytes)
        {
            MaxConnections = ReadInt(limitsSection, limitsPath, "maxConnections") ?? ConfigDefaults.MaxConnections,
            MaxRequestsPerConnection = ReadInt(limitsSection, limitsPath, "maxRequestsPerConnection") ?? 0,
            MinBodyBytesPerSecond = ReadInt(limitsSection, limitsPath, "minBodyBytesPerSecond") ?? ConfigDefaults.MinBodyBytesPerSecond,
        };

        return new ServerConfig(
            listen,
            ReadInt(section, path, "drainTimeoutSeconds") ?? ConfigDefaults.DrainTimeoutSeconds,
            ReadInt(section, path, "keepAliveTimeoutSeconds") ?? ConfigDefaults.KeepAliveTimeoutSeconds,
            ReadInt(section, path, "requestHeadTimeoutSeconds") ?? ConfigDefaults.RequestHeadTimeoutSeconds,
            limits)
        {
            TunnelIdleTimeoutSeconds = ReadInt(section, path, "tunnelIdleTimeoutSeconds") ?? ConfigDefaults.TunnelIdleTimeoutSeconds,
            TunnelMaxLifetimeSeconds = ReadInt(section, path, "tunnelMaxLifetimeSeconds") ?? ConfigDefaults.TunnelMaxLifetimeSeconds,
            Transport = section["transport"] ?? ConfigDefaults.Transport,
        };
    }

    private ClusterConfig ReadCluster(IConfigurationSection section, string path)
    {
        CheckObject(section, path, ClusterKeys);
        return new ClusterConfig(
            section["name"] ?? "",
            section["loadBalancing"] ?? ConfigDefaults.LoadBalancing,
            ReadStrings(section.GetSection("destinations"), Join(path, "destinations")),
            ReadInt(section, path, "maxConnectionsPerDestination") ?? ConfigDefaults.MaxConnectionsPerDestination,
            ReadInt(section, path, "connectTimeoutMs") ?? ConfigDefaults.ConnectTimeoutMs,
            ReadInt(section, path, "idleTimeoutSeconds") ?? ConfigDefaults.IdleTimeoutSeconds,
            ReadInt(section, path, "responseTimeoutMs") ?? ConfigDefaults.ResponseTimeoutMs)
        {
            Health = ReadHealth(section.GetSection("health"), Join(path, "health")),
            CircuitBreaker = ReadBreaker(section.GetSection("circuitBreaker"), Join(path, "circuitBreaker")),
            Retries = ReadInt(section, path, "retries") ?? ConfigDefaults.Retries,
        };
    }

    private HealthConfig ReadHealth(IConfigurationSection section, string path)
    {
        CheckObject(section, path, HealthKeys);
        ActiveHealthConfig? active = null;
        var activeSection = section.GetSection("active");
        if (activeSection.Exists())
        {
            string activePath = Join(path, "active");
            CheckObject(activeSection, activePath, ActiveHealthKeys);
            active = new ActiveHealthConfig(
                activeSection["path"] ?? "/health",
                ReadInt(activeSection, activePath, "intervalSeconds") ?? 5,
                ReadInt(activeSection, activePath, "timeoutMs") ?? 2000,
                ReadInt(activeSection, activePath, "healthyThreshold") ?? 2,
                ReadInt(activeSection, activePath, "unhealthyThreshold") ?? 3);
        }

        return new HealthConfig(
            ReadInt(section, path, "consecutiveFailures") ?? ConfigDefaults.ConsecutiveFailures,
            ReadInt(section, path, "reactivationSeconds") ?? ConfigDefaults.ReactivationSeconds,
            active);
    }

    private CircuitBreakerConfig? ReadBreaker(IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return null;
        }

        CheckObject(section, path, BreakerKeys);
        double ratio = 0.5;
        if (section["failureRatio"] is { } text && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out ratio))
        {
            Error(Join(path, "failureRatio"), $"expected a number, got '{text}'");
        }

        return new CircuitBreakerConfig(
            ratio,
            ReadInt(section, path, "minimumRequests") ?? 20,
            ReadInt(section, path, "windowSeconds") ?? 10,
            ReadInt(section, path, "openSeconds") ?? 5);
    }

    private ApiConfig ReadApi(IConfigurationSection section, string path)
    {
        CheckObject(section, path, ApiKeys);
        return new ApiConfig(
            section["name"] ?? "",
            ReadStrings(section.GetSection("hosts"), Join(path, "hosts")),
            ReadArray(section.GetSection("stages"), Join(path, "stages"), ReadStage),
            ReadArray(section.GetSection("routes"), Join(path, "routes"), ReadRoute))
        {
            Protocol = section["protocol"] ?? ConfigDefaults.ApiProtocol,
            RouteSelectionExpression = section["routeSelectionExpression"],
            WebSocket = ReadWebSocket(section.GetSection("webSocket"), Join(path, "webSocket")),
        };
    }

    private WebSocketApiConfig ReadWebSocket(IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return WebSocketApiConfig.Default;
        }

        CheckObject(section, path, WebSocketKeys);
        var defaults = WebSocketApiConfig.Default;
        return new WebSocketApiConfig(
            ReadStrings(section.GetSection("allowedOrigins"), Join(path, "allowedOrigins")),
            ReadStrings(section.GetSection("subprotocols"), Join(path, "subprotocols")),
            ReadInt(section, path, "maxFrameBytes") ?? defaults.MaxFrameBytes,
            ReadInt(section, path, "maxMessageBytes") ?? defaults.MaxMessageBytes,
            ReadInt(section, path, "idleTimeoutSeconds") ?? defaults.IdleTimeoutSeconds,
            ReadInt(section, path, "maxLifetimeSeconds") ?? defaults.MaxLifetimeSeconds,
            ReadInt(section, path, "sendBufferBytes") ?? defaults.SendBufferBytes,
            ReadThrottle(section.GetSection("newConnectionsThrottle"), Join(path, "newConnectionsThrottle")));
    }

    private StageConfig ReadStage(IConfigurationSection section, string path)
    {
        CheckObject(section, path, StageKeys);
        return new StageConfig(section["name"] ?? "", ReadMap(section.GetSection("variables"), Join(path, "variables")))
        {
            Cache = ReadCache(section.GetSection("cache"), Join(path, "cache")),
            Throttle = ReadThrottle(section.GetSection("throttle"), Join(path, "throttle")),
        };
    }

    private RouteConfig ReadRoute(IConfigurationSection section, string path)
    {
        CheckObject(section, path, RouteKeys);
        var integration = section.GetSection("integration");
        string integrationPath = Join(path, "integration");
        CheckObject(integration, integrationPath, IntegrationKeys);
        var present = ImmutableArray.CreateBuilder<string>();
        foreach (var child in integration.GetChildren())
        {
            present.Add(child.Key);
        }

        var config = new IntegrationConfig(
            integration["type"] ?? "",
            ReadInt(integration, integrationPath, "status") ?? ConfigDefaults.MockStatus,
            ReadMap(integration.GetSection("headers"), Join(integrationPath, "headers")),
            integration["body"] ?? "",
            integration["cluster"],
            integration["uri"],
            ReadInt(integration, integrationPath, "timeoutMs"),
            present.ToImmutable());
        return new RouteConfig(section["key"] ?? "", ReadLong(section, path, "maxBodyBytes"), config)
        {
            Cache = ReadCache(section.GetSection("cache"), Join(path, "cache")),
            Throttle = ReadThrottle(section.GetSection("throttle"), Join(path, "throttle")),
            ClientIpThrottle = ReadThrottle(section.GetSection("clientIpThrottle"), Join(path, "clientIpThrottle")),
            ApiKeyRequired = ReadBool(section, path, "apiKeyRequired") ?? false,
            RouteResponse = ReadBool(section, path, "routeResponse") ?? false,
        };
    }

    private ImmutableArray<T> ReadArray<T>(IConfigurationSection section, string path, Func<IConfigurationSection, string, T> read)
    {
        var items = ImmutableArray.CreateBuilder<T>();
        foreach (var (index, child) in ArrayChildren(section, path))
        {
            items.Add(read(child, $"{path}[{index}]"));
        }

        return items.ToImmutable();
    }

    private ImmutableArray<string> ReadStrings(IConfigurationSection section, string path)
    {
        var items = ImmutableArray.CreateBuilder<string>();
        foreach (var (index, child) in ArrayChildren(section, path))
        {
            if (child.Value is null)
            {
                Error($"{path}[{index}]", "expected a string");
                continue;
            }

            items.Add(child.Value);
        }

        return items.ToImmutable();
    }

    /// <summary>Array elements ordered by index. A gap (e.g. an override of index 3 of a 1-element array) is an error.</summary>
    private List<(int Index, IConfigurationSection Section)> ArrayChildren(IConfigurationSection section, string path)
    {
        var children = new List<(int, IConfigurationSection)>();
        if (!section.Exists())
        {
            return children;
        }

        if (section.Value is { Length: > 0 })
        {
            Error(path, "expected an array");
            return children;
        }

        foreach (var child in section.GetChildren())
        {
            if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                Error(path, "expected an array");
                return [];
            }

            children.Add((index, child));
        }

        children.Sort(static (a, b) => a.Item1.CompareTo(b.Item1));
        for (int i = 0; i < children.Count; i++)
        {
            if (children[i].Item1 != i)
            {
                Error($"{path}[{children[i].Item1}]", $"array index out of sequence (expected {i})");
                return [];
            }
        }

        return children;
    }

    private ImmutableArray<KeyValuePair<string, string>> ReadMap(IConfigurationSection section, string path)
    {
        var items = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
        if (!section.Exists())
        {
            return items.ToImmutable();
        }

        if (section.Value is { Length: > 0 })
        {
            Error(path, "expected an object");
            return items.ToImmutable();
        }

        foreach (var child in section.GetChildren())
        {
            if (child.Value is null)
            {
                Error(Join(path, child.Key), "expected a string");
                continue;
            }

            items.Add(new(child.Key, child.Value));
        }

        return items.ToImmutable();
    }

    private int? ReadInt(IConfigurationSection section, string path, string key)
    {
        long? value = ReadLong(section, path, key);
        if (value is null)
        {
            return null;
        }

        if (value is < int.MinValue or > int.MaxValue)
        {
            Error(Join(path, key), $"'{value}' is out of range");
            return null;
        }

        return (int)value.Value;
    }

    private long? ReadLong(IConfigurationSection section, string path, string key)
    {
        var child = section.GetSection(key);
        if (!child.Exists())
        {
            return null;
        }

        if (child.Value is null)
        {
            Error(Join(path, key), "expected an integer");
            return null;
        }

        if (!long.TryParse(child.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            Error(Join(path, key), $"expected an integer, got '{child.Value}'");
            return null;
        }

        return value;
    }

    private void CheckObject(IConfigurationSection section, string path, string[] allowed)
    {
        if (section.Value is { Length: > 0 })
        {
            Error(path, "expected an object");
            return;
        }

        CheckKeys(section, path, allowed, []);
    }

    private void CheckKeys(IConfiguration section, string path, string[] allowed, string[] ignored)
    {
        foreach (var child in section.GetChildren())
        {
            if (!Contains(allowed, child.Key) && !Contains(ignored, child.Key))
            {
                Error(Join(path, child.Key), $"unknown key (expected one of: {string.Join(", ", allowed)})");
            }
        }
    }

    private static bool Contains(string[] keys, string key)
    {
        foreach (string candidate in keys)
        {
            if (string.Equals(candidate, key, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private void Error(string path, string message) => _errors.Add(new ConfigError(path, message));

    internal static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
}
