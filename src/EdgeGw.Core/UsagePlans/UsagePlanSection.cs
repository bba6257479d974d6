using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.UsagePlans;

/// <summary>Where clients put their API key, and the keys defined in configuration.</summary>
internal sealed record ApiKeysConfig(string Header, ImmutableArray<ApiKeyConfig> Keys);

/// <summary>
/// One API key. <see cref="Value"/> is the plain key (fine for development) or <see cref="Sha256"/> its hex digest
/// (what production configs should hold); only the digest is kept at run time.
/// </summary>
internal sealed record ApiKeyConfig(string Id, string? Value, string? Sha256, bool Enabled, ImmutableArray<string> UsagePlans);

/// <summary>A usage plan: which stages it covers, its per-key throttle (with per-route overrides) and quota.</summary>
internal sealed record UsagePlanConfig(
    string Name,
    ImmutableArray<string> Stages,
    ThrottleConfig? Throttle,
    ImmutableArray<KeyValuePair<string, ThrottleConfig>> RouteThrottles,
    QuotaConfig? Quota);

/// <summary>Requests per key per period; <see cref="Offset"/> shifts the period start (days for WEEK/MONTH, hours for DAY).</summary>
internal sealed record QuotaConfig(long Limit, string Period, int Offset);

/// <summary>
/// <c>usagePlans</c> and <c>apiKeys</c>: plans name deployed stages (<c>"api/stage"</c>) and their routes, keys
/// name plans. Also compiles a route's access settings (throttles, API key requirement) for the API section.
/// </summary>
internal sealed class UsagePlanSection : IConfigSection
{
    public const string DefaultApiKeyHeader = "x-api-key";

    private static readonly string[] ApiKeysKeys = ["header", "keys"];
    private static readonly string[] ApiKeyKeys = ["id", "value", "sha256", "enabled", "usagePlans"];
    private static readonly string[] UsagePlanKeys = ["name", "stages", "throttle", "routeThrottles", "quota"];
    private static readonly string[] QuotaKeys = ["limit", "period", "offset"];

    private readonly Func<IReadOnlyDictionary<string, HashSet<string>>> _deployedStages;

    /// <param name="deployedStages">Every deployed <c>"api/stage"</c> with the route keys it serves (from the API section).</param>
    public UsagePlanSection(Func<IReadOnlyDictionary<string, HashSet<string>>> deployedStages) => _deployedStages = deployedStages;

    public ApiKeysConfig ApiKeys { get; private set; } = new(DefaultApiKeyHeader, []);
    public ImmutableArray<UsagePlanConfig> Plans { get; private set; } = [];

    public void Read(IConfiguration root, ConfigReader reader)
    {
        var keys = root.GetSection("apiKeys");
        reader.CheckObject(keys, "apiKeys", ApiKeysKeys);
        ApiKeys = new ApiKeysConfig(keys["header"] ?? DefaultApiKeyHeader, reader.ReadArray(keys.GetSection("keys"), "apiKeys.keys", (s, p) => ReadApiKey(reader, s, p)));
        Plans = reader.ReadArray(root.GetSection("usagePlans"), "usagePlans", (s, p) => ReadUsagePlan(reader, s, p));
    }

    public void Validate(ConfigChecks checks)
    {
        var plans = ValidatePlans(checks);
        ValidateApiKeys(checks, plans);
    }

    public ImmutableArray<UsagePlanModel> CompilePlans()
    {
        var plans = ImmutableArray.CreateBuilder<UsagePlanModel>(Plans.Length);
        foreach (var plan in Plans)
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

            var routeThrottles = ImmutableDictionary.CreateBuilder<string, ThrottleSettings>(StringComparer.Ordinal);
            foreach (var route in plan.RouteThrottles)
            {
                routeThrottles[route.Key] = ThrottleSection.Compile(route.Value)!.Value;
            }

            plans.Add(new UsagePlanModel
            {
                Name = plan.Name,
                Index = plans.Count,
                Stages = stages.ToImmutable(),
                Throttle = ThrottleSection.Compile(plan.Throttle),
                RouteThrottles = routeThrottles.ToImmutable(),
                QuotaLimit = plan.Quota?.Limit,
                QuotaPeriod = period,
            });
        }

        return plans.MoveToImmutable();
    }

    public ImmutableArray<ApiKeyDefinition> CompileApiKeys()
    {
        var keys = ImmutableArray.CreateBuilder<ApiKeyDefinition>(ApiKeys.Keys.Length);
        foreach (var key in ApiKeys.Keys)
        {
            keys.Add(new ApiKeyDefinition(key.Id, Digest(key), key.Enabled, key.UsagePlans));
        }

        return keys.MoveToImmutable();
    }

    /// <summary>The header carrying the API key, lower-case ASCII.</summary>
    public byte[] CompileApiKeyHeader() => Encoding.ASCII.GetBytes(ApiKeys.Header.ToLowerInvariant());

    /// <summary>Null when nothing on this route limits or authenticates (the request path then skips the step).</summary>
    /// <param name="apiKeyFromAuthorizer">The API's <c>apiKeySource</c> is AUTHORIZER: the key is the request authorizer's <c>usageIdentifierKey</c>.</param>
    public static RouteAccessModel? CompileRouteAccess(
        bool gatewayThrottle, StageRef stage, string routeKey, ThrottleConfig? stageThrottle, ThrottleConfig? routeThrottle, ThrottleConfig? clientIpThrottle, bool apiKeyRequired,
        bool apiKeyFromAuthorizer = false)
    {
        // As in AWS, usage plans apply to routes that require an API key.
        if (!gatewayThrottle && stageThrottle is null && routeThrottle is null && clientIpThrottle is null && !apiKeyRequired)
        {
            return null;
        }

        return new RouteAccessModel
        {
            Stage = stage,
            RouteKey = routeKey,
            ApiKeyRequired = apiKeyRequired,
            ApiKeyFromAuthorizer = apiKeyRequired && apiKeyFromAuthorizer,
            StageThrottle = ThrottleSection.Compile(stageThrottle),
            RouteThrottle = ThrottleSection.Compile(routeThrottle),
            ClientIpThrottle = ThrottleSection.Compile(clientIpThrottle),
        };
    }

    /// <summary>Lower-case hex SHA-256 of the key: how keys are stored and compared.</summary>
    private static string Digest(ApiKeyConfig key) =>
        key.Value is not null ? AccessControl.Digest(Encoding.UTF8.GetBytes(key.Value)) : key.Sha256!.ToLowerInvariant();

    private static ApiKeyConfig ReadApiKey(ConfigReader reader, IConfigurationSection section, string path)
    {
        reader.CheckObject(section, path, ApiKeyKeys);
        return new ApiKeyConfig(
            section["id"] ?? "",
            section["value"],
            section["sha256"],
            reader.ReadBool(section, path, "enabled") ?? true,
            reader.ReadStrings(section.GetSection("usagePlans"), ConfigReader.Join(path, "usagePlans")));
    }

    private static UsagePlanConfig ReadUsagePlan(ConfigReader reader, IConfigurationSection section, string path)
    {
        reader.CheckObject(section, path, UsagePlanKeys);
        var routeThrottles = ImmutableArray.CreateBuilder<KeyValuePair<string, ThrottleConfig>>();
        var routes = section.GetSection("routeThrottles");
        string routesPath = ConfigReader.Join(path, "routeThrottles");
        if (routes.Value is { Length: > 0 })
        {
            reader.Error(routesPath, "expected an object of route key → throttle");
        }
        else
        {
            foreach (var child in routes.GetChildren())
            {
                if (ThrottleSection.Read(reader, child, ConfigReader.Join(routesPath, child.Key)) is { } throttle)
                {
                    routeThrottles.Add(new(child.Key, throttle));
                }
            }
        }

        QuotaConfig? quota = null;
        var quotaSection = section.GetSection("quota");
        if (quotaSection.Exists())
        {
            string quotaPath = ConfigReader.Join(path, "quota");
            reader.CheckObject(quotaSection, quotaPath, QuotaKeys);
            quota = new QuotaConfig(reader.ReadLong(quotaSection, quotaPath, "limit") ?? -1, quotaSection["period"] ?? "", reader.ReadInt(quotaSection, quotaPath, "offset") ?? 0);
        }

        return new UsagePlanConfig(
            section["name"] ?? "",
            reader.ReadStrings(section.GetSection("stages"), ConfigReader.Join(path, "stages")),
            ThrottleSection.Read(reader, section.GetSection("throttle"), ConfigReader.Join(path, "throttle")),
            routeThrottles.ToImmutable(),
            quota);
    }

    private Dictionary<string, UsagePlanConfig> ValidatePlans(ConfigChecks checks)
    {
        var routeKeys = _deployedStages();
        var plans = new Dictionary<string, UsagePlanConfig>(StringComparer.Ordinal);
        for (int i = 0; i < Plans.Length; i++)
        {
            var plan = Plans[i];
            string path = $"usagePlans[{i}]";
            if (plan.Name.Length is 0 or > 128 || plan.Name.AsSpan().ContainsAnyExcept(ConfigChecks.NameChars))
            {
                checks.Error($"{path}.name", $"'{plan.Name}' is not a plan name (1-128 letters, digits, '-', '_')");
            }
            else if (!plans.TryAdd(plan.Name, plan))
            {
                checks.Error($"{path}.name", $"usage plan '{plan.Name}' is defined twice");
            }

            if (plan.Stages.IsEmpty)
            {
                checks.Error($"{path}.stages", "a plan covers at least one stage, written \"api/stage\"");
            }

            for (int s = 0; s < plan.Stages.Length; s++)
            {
                if (!routeKeys.ContainsKey(plan.Stages[s]))
                {
                    checks.Error($"{path}.stages[{s}]", $"'{plan.Stages[s]}' is not a deployed stage (write \"api/stage\")");
                }
            }

            ThrottleSection.Validate(checks, plan.Throttle, $"{path}.throttle");
            foreach (var route in plan.RouteThrottles)
            {
                string routePath = $"{path}.routeThrottles.{route.Key}";
                ThrottleSection.Validate(checks, route.Value, routePath);
                bool known = false;
                foreach (string stage in plan.Stages)
                {
                    known |= routeKeys.TryGetValue(stage, out var keys) && keys.Contains(route.Key);
                }

                if (!known)
                {
                    checks.Error(routePath, $"'{route.Key}' is not a route of the plan's stages");
                }
            }

            if (plan.Quota is { } quota)
            {
                checks.Range($"{path}.quota.limit", quota.Limit, 1, long.MaxValue);
                int maxOffset = quota.Period switch { "DAY" => 23, "WEEK" => 6, "MONTH" => 27, _ => -1 };
                if (maxOffset < 0)
                {
                    checks.Error($"{path}.quota.period", $"'{quota.Period}' is not DAY, WEEK or MONTH");
                }
                else
                {
                    checks.Range($"{path}.quota.offset", quota.Offset, 0, maxOffset);
                }
            }
        }

        return plans;
    }

    private void ValidateApiKeys(ConfigChecks checks, Dictionary<string, UsagePlanConfig> plans)
    {
        var apiKeys = ApiKeys;
        if (apiKeys.Header.Length is 0 or > 64 || apiKeys.Header.AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars))
        {
            checks.Error("apiKeys.header", $"'{apiKeys.Header}' is not a header name");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var values = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < apiKeys.Keys.Length; i++)
        {
            var key = apiKeys.Keys[i];
            string path = $"apiKeys.keys[{i}]";
            if (key.Id.Length is 0 or > 128 || key.Id.AsSpan().ContainsAnyExcept(ConfigChecks.NameChars))
            {
                checks.Error($"{path}.id", $"'{key.Id}' is not a key id (1-128 letters, digits, '-', '_')");
            }
            else if (!ids.Add(key.Id))
            {
                checks.Error($"{path}.id", $"key id '{key.Id}' is used twice");
            }

            if ((key.Value is null) == (key.Sha256 is null))
            {
                checks.Error(path, "give exactly one of value (the plain key) or sha256 (its hex digest)");
            }
            else if (key.Value is not null && (key.Value.Length is < 20 or > 256 || key.Value.AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars)))
            {
                checks.Error($"{path}.value", "an API key is 20-256 characters without spaces or separators");
            }
            else if (key.Sha256 is not null && (key.Sha256.Length != 64 || !IsHex(key.Sha256)))
            {
                checks.Error($"{path}.sha256", "expected 64 hex digits (the SHA-256 of the key)");
            }
            else if (!values.Add(Digest(key)))
            {
                checks.Error(path, "the same key is defined twice");
            }

            var stageOwner = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int p = 0; p < key.UsagePlans.Length; p++)
            {
                string planName = key.UsagePlans[p];
                if (!plans.TryGetValue(planName, out var plan))
                {
                    checks.Error($"{path}.usagePlans[{p}]", $"usage plan '{planName}' is not defined");
                    continue;
                }

                foreach (string stage in plan.Stages)
                {
                    if (!stageOwner.TryAdd(stage, planName))
                    {
                        checks.Error($"{path}.usagePlans[{p}]", $"stage '{stage}' is already covered by plan '{stageOwner[stage]}' for this key (one plan per stage)");
                    }
                }
            }
        }
    }

    private static bool IsHex(string text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
