using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Routing;
using EdgeGw.Protocols.Http1;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Caching;

/// <summary>The process-wide response cache store shared by every stage that enables caching, as written.</summary>
internal sealed record CacheStoreConfig(long MaxBytes, int MaxEntryBytes, string StatusHeader, int CoalesceTimeoutMs);

/// <summary>
/// Cache settings of a stage, or a route's overrides of them. Every field is optional; a route's present
/// fields win over its stage's (as AWS's method-level cache settings override the stage's).
/// </summary>
internal sealed record CacheConfig(
    bool? Enabled,
    int? TtlSeconds,
    ImmutableArray<string>? Methods,
    ImmutableArray<string>? KeyQuery,
    ImmutableArray<string>? KeyHeaders,
    ImmutableArray<int>? Statuses,
    bool? CacheSetCookie,
    bool? RequireAuthorizationForInvalidation,
    string? UnauthorizedInvalidation,
    ImmutableArray<string>? InvalidateApiKeys)
{
    public static CacheConfig None { get; } = new(null, null, null, null, null, null, null, null, null, null);
}

/// <summary>
/// <c>cache</c>: the store (compiled into <see cref="CacheStoreSettings"/>), and the <c>cache</c> object of stages
/// and routes (read, checked and compiled into a per-route <see cref="RouteCachePolicy"/> by the static members).
/// </summary>
internal sealed class CacheSection : IConfigSection
{
    public const long DefaultMaxBytes = 256L * 1024 * 1024;
    public const int DefaultMaxEntryBytes = 1024 * 1024;
    public const string DefaultStatusHeader = "X-Cache";
    public const int DefaultCoalesceTimeoutMs = 5000;
    public const int DefaultTtlSeconds = 300;
    public const int MaxTtlSeconds = 3600;
    public const string DefaultUnauthorizedInvalidation = "ignoreWithHeader";
    private static readonly int[] DefaultStatuses = [200, 203, 204, 301, 404];
    private static readonly string[] DefaultMethods = ["GET", "HEAD"];

    private const string Key = "cache";
    private static readonly string[] StoreKeys = ["maxBytes", "maxEntryBytes", "statusHeader", "coalesceTimeoutMs"];
    private static readonly string[] PolicyKeys =
    [
        "enabled", "ttlSeconds", "methods", "keyQuery", "keyHeaders", "statuses", "cacheSetCookie",
        "requireAuthorizationForInvalidation", "unauthorizedInvalidation", "invalidateApiKeys",
    ];

    private static readonly string[] UnauthorizedInvalidationValues = ["fail", "ignoreWithHeader", "ignore"];

    public CacheStoreConfig Config { get; private set; } = new(DefaultMaxBytes, DefaultMaxEntryBytes, DefaultStatusHeader, DefaultCoalesceTimeoutMs);

    public void Read(IConfiguration root, ConfigReader reader)
    {
        var section = root.GetSection(Key);
        reader.CheckObject(section, Key, StoreKeys);
        Config = new CacheStoreConfig(
            reader.ReadLong(section, Key, "maxBytes") ?? DefaultMaxBytes,
            reader.ReadInt(section, Key, "maxEntryBytes") ?? DefaultMaxEntryBytes,
            section["statusHeader"] ?? DefaultStatusHeader,
            reader.ReadInt(section, Key, "coalesceTimeoutMs") ?? DefaultCoalesceTimeoutMs);
    }

    public void Validate(ConfigChecks checks)
    {
        var cache = Config;
        checks.Range("cache.maxBytes", cache.MaxBytes, 0, 1L << 40);
        checks.Range("cache.maxEntryBytes", cache.MaxEntryBytes, 1, 64 * 1024 * 1024);
        if (cache.MaxBytes > 0 && cache.MaxEntryBytes > cache.MaxBytes)
        {
            checks.Error("cache.maxEntryBytes", $"{cache.MaxEntryBytes} is larger than cache.maxBytes ({cache.MaxBytes})");
        }

        if (cache.StatusHeader.AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars) || cache.StatusHeader.Length > 64)
        {
            checks.Error("cache.statusHeader", $"'{cache.StatusHeader}' is not a header name (use \"\" to send none)");
        }
        else if (ConfigChecks.IsGatewayOwnedHeader(cache.StatusHeader) || string.Equals(cache.StatusHeader, "age", StringComparison.OrdinalIgnoreCase))
        {
            checks.Error("cache.statusHeader", "this header is set by the gateway");
        }

        checks.Range("cache.coalesceTimeoutMs", cache.CoalesceTimeoutMs, 0, 60_000);
    }

    public CacheStoreSettings Compile() => new()
    {
        MaxBytes = Config.MaxBytes,
        MaxEntryBytes = Config.MaxEntryBytes,
        StatusHeader = Encoding.ASCII.GetBytes(Config.StatusHeader),
        CoalesceTimeout = TimeSpan.FromMilliseconds(Config.CoalesceTimeoutMs),
    };

    /// <summary>A stage's or route's <c>cache</c> object; <see cref="CacheConfig.None"/> when absent.</summary>
    public static CacheConfig ReadPolicy(ConfigReader reader, IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return CacheConfig.None;
        }

        reader.CheckObject(section, path, PolicyKeys);
        return new CacheConfig(
            reader.ReadBool(section, path, "enabled"),
            reader.ReadInt(section, path, "ttlSeconds"),
            reader.ReadOptionalStrings(section, path, "methods"),
            reader.ReadOptionalStrings(section, path, "keyQuery"),
            reader.ReadOptionalStrings(section, path, "keyHeaders"),
            reader.ReadOptionalInts(section, path, "statuses"),
            reader.ReadBool(section, path, "cacheSetCookie"),
            reader.ReadBool(section, path, "requireAuthorizationForInvalidation"),
            section["unauthorizedInvalidation"],
            reader.ReadOptionalStrings(section, path, "invalidateApiKeys"));
    }

    public static void ValidatePolicy(ConfigChecks checks, CacheConfig cache, string path)
    {
        if (cache.TtlSeconds is { } ttl)
        {
            checks.Range($"{path}.ttlSeconds", ttl, 0, MaxTtlSeconds);
        }

        if (cache.Methods is { } methods)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < methods.Length; i++)
            {
                if (!TryParseMethod(methods[i], out _))
                {
                    checks.Error($"{path}.methods[{i}]", $"'{methods[i]}' is not one of GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
                }
                else if (!seen.Add(methods[i]))
                {
                    checks.Error($"{path}.methods[{i}]", $"'{methods[i]}' is listed twice");
                }
            }
        }

        if (cache.KeyQuery is { } query)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < query.Length; i++)
            {
                string name = query[i];
                if (name.Length is 0 or > 256 || name.AsSpan().IndexOfAny("&=#? ") >= 0 || !ConfigChecks.IsPathSafe(name))
                {
                    checks.Error($"{path}.keyQuery[{i}]", $"'{name}' is not a query parameter name as it appears in the URL (1-256 characters, no & = # ?)");
                }
                else if (!seen.Add(name))
                {
                    checks.Error($"{path}.keyQuery[{i}]", $"'{name}' is listed twice");
                }
            }
        }

        if (cache.KeyHeaders is { } headers)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < headers.Length; i++)
            {
                string name = headers[i];
                if (name.Length is 0 or > 256 || name.AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars))
                {
                    checks.Error($"{path}.keyHeaders[{i}]", $"'{name}' is not a header name");
                }
                else if (!seen.Add(name))
                {
                    checks.Error($"{path}.keyHeaders[{i}]", $"'{name}' is listed twice");
                }
            }
        }

        if (cache.Statuses is { } statuses)
        {
            for (int i = 0; i < statuses.Length; i++)
            {
                checks.Range($"{path}.statuses[{i}]", statuses[i], 200, 599);
            }
        }

        if (cache.UnauthorizedInvalidation is { } strategy && Array.IndexOf(UnauthorizedInvalidationValues, strategy) < 0)
        {
            checks.Error($"{path}.unauthorizedInvalidation", $"'{strategy}' is not fail, ignoreWithHeader or ignore");
        }

        if (cache.InvalidateApiKeys is { } keys)
        {
            for (int i = 0; i < keys.Length; i++)
            {
                if (keys[i].Length is < 16 or > 256 || keys[i].AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars))
                {
                    checks.Error($"{path}.invalidateApiKeys[{i}]", "an API key is 16-256 characters without spaces or separators");
                }
            }
        }
    }

    /// <summary>The stage's cache settings with the route's overrides; null when caching is off for this route.</summary>
    public static RouteCachePolicy? CompilePolicy(string apiName, string stageName, CacheConfig stage, string routeKey, CacheConfig route)
    {
        var s = stage;
        var r = route;
        bool enabled = r.Enabled ?? s.Enabled ?? false;
        int ttl = r.TtlSeconds ?? s.TtlSeconds ?? DefaultTtlSeconds;
        if (!enabled || ttl == 0)
        {
            return null;
        }

        int methodMask = 0;
        foreach (string method in r.Methods ?? s.Methods ?? [.. DefaultMethods])
        {
            TryParseMethod(method, out var parsed);
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

        TryParseUnauthorizedInvalidation(r.UnauthorizedInvalidation ?? s.UnauthorizedInvalidation ?? DefaultUnauthorizedInvalidation, out var strategy);
        var stagePrefix = RouteCachePolicy.StagePrefix(apiName, stageName);
        return new RouteCachePolicy
        {
            Ttl = TimeSpan.FromSeconds(ttl),
            MethodMask = methodMask,
            KeyQuery = keyQuery.ToImmutable(),
            KeyHeaders = keyHeaders.ToImmutable(),
            Statuses = r.Statuses ?? s.Statuses ?? [.. DefaultStatuses],
            CacheSetCookie = r.CacheSetCookie ?? s.CacheSetCookie ?? false,
            RequireAuthorizationForInvalidation = r.RequireAuthorizationForInvalidation ?? s.RequireAuthorizationForInvalidation ?? true,
            Unauthorized = strategy,
            InvalidateKeyHashes = invalidateKeys.ToImmutable(),
            ApiName = apiName,
            StageName = stageName,
            KeyPrefix = [.. stagePrefix, .. Encoding.UTF8.GetBytes(routeKey), 0],
            StagePrefixLength = stagePrefix.Length,
        };
    }

    internal static bool TryParseMethod(string text, out HttpMethod method)
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
}
