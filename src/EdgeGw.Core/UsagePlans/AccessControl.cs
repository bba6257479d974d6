using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.UsagePlans;

/// <summary>Why a request was refused by the access step.</summary>
public enum AccessOutcome : byte
{
    Allowed,
    /// <summary>403 <c>{"message":"Forbidden"}</c>: key missing, unknown, disabled or without a plan for the stage.</summary>
    Forbidden,
    /// <summary>429 <c>{"message":"Too Many Requests"}</c>: a token bucket is empty.</summary>
    Throttled,
    /// <summary>429 <c>{"message":"Limit Exceeded"}</c>: the key's quota for the period is used up.</summary>
    QuotaExceeded,
}

/// <summary>
/// API keys, usage plans, quotas and token buckets, bound to the current model. Bucket and quota state
/// outlives reloads (keyed by name and settings), so a reload neither resets nor double-counts limits.
/// </summary>
public sealed class AccessControl : IDisposable
{
    private const int MaxClientKeysPerTable = 100_000;

    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ThrottleBucket> _buckets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ClientBucketTable> _tables = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Key, string Plan), QuotaCounter> _quotas = new();
    private readonly ConcurrentDictionary<string, ApiKeyDefinition> _runtimeKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _disabled = new(StringComparer.Ordinal);
    private readonly object _rebindLock = new();
    private volatile AccessSnapshot _current;
    private GatewayModel _model;

    public AccessControl(GatewayModel model, TimeProvider time, Action<string>? log = null)
    {
        _time = time;
        _model = model;
        if (model.Redis is { } redis)
        {
            // Global mode is fixed at startup: changing Redis needs a restart (a reload keeps the first one).
            Redis = RedisLimits.Connect(redis.Configuration, redis.KeyPrefix, redis.FailOpen, redis.SyncInterval, time);
            Redis.Log = log;
        }

        _current = Build(model);
    }

    /// <summary>Null unless global mode (<c>redis</c>) is configured.</summary>
    public RedisLimits? Redis { get; }

    public AccessSnapshot Current => _current;
    public TimeProvider Time => _time;

    /// <summary>Raised after a change that should be persisted (keys created, disabled or deleted).</summary>
    public event Action? KeysChanged;

    /// <summary>Raised when <see cref="Current"/> was rebuilt for the same model (a key change).</summary>
    public event Action? Rebound;

    public void Bind(GatewayModel model)
    {
        lock (_rebindLock)
        {
            _model = model;
            _current = Build(model);
        }
    }

    private void Rebuild()
    {
        Bind(_model);
        Rebound?.Invoke();
    }

    // --- keys -----------------------------------------------------------------------------------------------

    /// <summary>Creates a key (admin API). Returns the plain key, which is not kept and cannot be shown again.</summary>
    public (ApiKeyDefinition Key, string PlainKey)? CreateKey(string? id, ImmutableArray<string> plans, out string? error)
    {
        id ??= "key-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        error = Validate(id, plans);
        if (error is not null)
        {
            return null;
        }

        string plain = Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)).Replace('+', '-').Replace('/', '_');
        var key = new ApiKeyDefinition(id, Digest(Encoding.UTF8.GetBytes(plain)), true, plans);
        if (!_runtimeKeys.TryAdd(id, key))
        {
            error = $"key id '{id}' exists";
            return null;
        }

        Rebuild();
        KeysChanged?.Invoke();
        return (key, plain);
    }

    private string? Validate(string id, ImmutableArray<string> plans)
    {
        if (id.Length is 0 or > 128 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return "id: 1-128 letters, digits, '-', '_'";
        }

        foreach (var key in _model.ApiKeys)
        {
            if (key.Id == id)
            {
                return $"key id '{id}' exists";
            }
        }

        var stages = new HashSet<StageRef>();
        foreach (string name in plans)
        {
            var plan = _model.UsagePlans.FirstOrDefault(p => p.Name == name);
            if (plan is null)
            {
                return $"usage plan '{name}' is not defined";
            }

            foreach (var stage in plan.Stages)
            {
                if (!stages.Add(stage))
                {
                    return $"stage '{stage.Api}/{stage.Stage}' is covered by two of the plans (one plan per stage)";
                }
            }
        }

        return null;
    }

    /// <summary>Restores keys created through the admin API (state file).</summary>
    public void RestoreKeys(IEnumerable<ApiKeyDefinition> keys)
    {
        foreach (var key in keys)
        {
            _runtimeKeys[key.Id] = key;
            if (!key.Enabled)
            {
                _disabled[key.Id] = true;
            }
        }

        Rebuild();
    }

    public bool SetEnabled(string id, bool enabled)
    {
        if (!KeyExists(id))
        {
            return false;
        }

        if (enabled)
        {
            _disabled.TryRemove(id, out _);
        }
        else
        {
            _disabled[id] = true;
        }

        Rebuild();
        KeysChanged?.Invoke();
        return true;
    }

    /// <summary>Deletes an admin-created key. Keys from the configuration file are changed there.</summary>
    public bool DeleteKey(string id, out bool fromConfig)
    {
        fromConfig = _model.ApiKeys.Any(k => k.Id == id);
        if (fromConfig || !_runtimeKeys.TryRemove(id, out _))
        {
            return false;
        }

        _disabled.TryRemove(id, out _);
        Rebuild();
        KeysChanged?.Invoke();
        return true;
    }

    private bool KeyExists(string id) => _runtimeKeys.ContainsKey(id) || _model.ApiKeys.Any(k => k.Id == id);

    /// <summary>Every key with its source and state.</summary>
    public IReadOnlyList<(ApiKeyDefinition Key, bool Enabled, bool FromConfig)> ListKeys()
    {
        var list = new List<(ApiKeyDefinition, bool, bool)>();
        foreach (var key in _model.ApiKeys)
        {
            list.Add((key, key.Enabled && !_disabled.ContainsKey(key.Id), true));
        }

        foreach (var key in _runtimeKeys.Values.OrderBy(k => k.Id, StringComparer.Ordinal))
        {
            list.Add((key, !_disabled.ContainsKey(key.Id), false));
        }

        return list;
    }

    /// <summary>Keys created through the admin API, with their current enabled state (for the state file).</summary>
    public IEnumerable<ApiKeyDefinition> RuntimeKeys() =>
        _runtimeKeys.Values.Select(k => k with { Enabled = !_disabled.ContainsKey(k.Id) });

    // --- quotas ---------------------------------------------------------------------------------------------

    public QuotaCounter Quota(string keyId, UsagePlanModel plan) =>
        _quotas.GetOrAdd((keyId, plan.Name), static (_, args) =>
        {
            var (start, end) = args.Plan.QuotaPeriod.WindowOf(args.Now);
            return new QuotaCounter(start, end, 0, args.Self.GlobalQuota(args.Key, args.Plan));
        }, (Self: this, Key: keyId, Plan: plan, Now: _time.GetUtcNow()));

    private Func<DateTimeOffset, DateTimeOffset, GlobalLease>? GlobalQuota(string keyId, UsagePlanModel plan) =>
        Redis is { } redis && plan.QuotaLimit is { } limit ? (start, end) => redis.Quota($"quota|{plan.Name}|{keyId}", limit, start, end) : null;

    public IEnumerable<(string Key, string Plan, QuotaCounter Counter)> Quotas() =>
        _quotas.Select(q => (q.Key.Key, q.Key.Plan, q.Value));

    public void RestoreQuota(string keyId, string plan, DateTimeOffset start, DateTimeOffset end, long used) =>
        _quotas.GetOrAdd((keyId, plan), _ => new QuotaCounter(start, end, used)).Restore(start, end, used);

    /// <summary>Global mode: shares this bucket through Redis. Client-IP tables stay local (too many keys to share).</summary>
    private GlobalLease? Shared(string scope, ThrottleRate rate) => Redis?.Bucket(scope, rate);

    // --- binding --------------------------------------------------------------------------------------------

    private AccessSnapshot Build(GatewayModel model)
    {
        long frequency = _time.TimestampFrequency;
        ThrottleBucket? Bucket(string scope, ThrottleSettings? settings) => settings is { } s
            ? _buckets.GetOrAdd($"{scope}|{s.RatePerSecond}|{s.Burst}", _ =>
            {
                var rate = new ThrottleRate(s.RatePerSecond, s.Burst, frequency);
                return new ThrottleBucket(rate, Shared(scope, rate));
            })
            : null;
        ClientBucketTable? Table(string scope, ThrottleSettings? settings, bool shared) => settings is { } s
            ? _tables.GetOrAdd($"{scope}|{s.RatePerSecond}|{s.Burst}", _ =>
            {
                var rate = new ThrottleRate(s.RatePerSecond, s.Burst, frequency);
                Func<byte[], GlobalLease>? global = shared && Redis is { } redis ? key => redis.Bucket($"{scope}|{Encoding.UTF8.GetString(key)}", rate) : null;
                return new ClientBucketTable(rate, MaxClientKeysPerTable, global);
            })
            : null;

        var routes = new RouteAccessState?[model.RouteCount];
        foreach (var route in model.RouteList)
        {
            if (route.Access is not { } access)
            {
                continue;
            }

            string stage = $"{access.Stage.Api}/{access.Stage.Stage}";
            var plans = new PlanAccess?[model.UsagePlans.Length];
            foreach (var plan in model.UsagePlans)
            {
                if (!plan.Covers(access.Stage))
                {
                    continue;
                }

                var settings = plan.RouteThrottles.TryGetValue(access.RouteKey, out var overridden) ? overridden : plan.Throttle;
                string scope = plan.RouteThrottles.ContainsKey(access.RouteKey) ? $"plan:{plan.Name}:{stage}:{access.RouteKey}" : $"plan:{plan.Name}";
                plans[plan.Index] = new PlanAccess(plan, Table(scope, settings, shared: true));
            }

            routes[route.Ordinal] = new RouteAccessState(
                access,
                Bucket($"stage:{stage}", access.StageThrottle),
                Bucket($"route:{stage}:{access.RouteKey}", access.RouteThrottle),
                Table($"ip:{stage}:{access.RouteKey}", access.ClientIpThrottle, shared: false),
                plans);
        }

        var keys = new List<ApiKeyState>();
        foreach (var definition in model.ApiKeys.Concat(_runtimeKeys.Values))
        {
            var planIndexes = new List<int>();
            var quotas = new List<QuotaCounter?>();
            foreach (string name in definition.UsagePlans)
            {
                var plan = model.UsagePlans.FirstOrDefault(p => p.Name == name);
                if (plan is null)
                {
                    continue;
                }

                planIndexes.Add(plan.Index);
                quotas.Add(plan.QuotaLimit is null ? null : Quota(definition.Id, plan));
            }

            bool enabled = definition.Enabled && !_disabled.ContainsKey(definition.Id);
            keys.Add(new ApiKeyState(definition.Id, Convert.FromHexString(definition.Sha256Hex), enabled, [.. planIndexes], [.. quotas]));
        }

        return new AccessSnapshot(model, Bucket("gateway", model.Throttle), routes, new KeyIndex(keys), model.ApiKeyHeader, model.UsagePlans);
    }

    public void Dispose() => Redis?.Dispose();

    internal static string Digest(ReadOnlySpan<byte> key) => Convert.ToHexStringLower(SHA256.HashData(key));
}

/// <summary>The access state bound to one model: what the request path reads.</summary>
public sealed class AccessSnapshot
{
    internal AccessSnapshot(GatewayModel model, ThrottleBucket? gateway, RouteAccessState?[] routes, KeyIndex keys, byte[] apiKeyHeader, ImmutableArray<UsagePlanModel> plans)
    {
        Model = model;
        Gateway = gateway;
        Routes = routes;
        Keys = keys;
        ApiKeyHeader = apiKeyHeader;
        Plans = plans;
    }

    /// <summary>The model whose route ordinals <see cref="Routes"/> follows.</summary>
    public GatewayModel Model { get; }
    public ThrottleBucket? Gateway { get; }
    internal RouteAccessState?[] Routes { get; }
    internal KeyIndex Keys { get; }
    public byte[] ApiKeyHeader { get; }
    public ImmutableArray<UsagePlanModel> Plans { get; }

    /// <summary>
    /// Runs the route's checks, cheapest first: the key (403), then every bucket — gateway, stage, route,
    /// client IP, the key's plan — and last the quota, so a throttled request does not use quota.
    /// Allocates nothing on the steady state. <paramref name="decision"/> carries the tightest bucket's figures.
    /// </summary>
    public AccessOutcome Check(RouteModel route, ReadOnlySpan<byte> apiKey, ReadOnlySpan<byte> clientAddress, long now, TimeProvider time, out ThrottleDecision decision)
    {
        decision = default;
        var state = route.Access is null ? null : Routes[route.Ordinal];
        ApiKeyState? key = null;
        PlanAccess? plan = null;
        int planSlot = -1;
        if (state is not null && state.Model.ApiKeyRequired)
        {
            key = apiKey.IsEmpty ? null : Keys.Find(apiKey);
            if (key is null || !key.Enabled)
            {
                return AccessOutcome.Forbidden;
            }

            for (int i = 0; i < key.PlanIndexes.Length && plan is null; i++)
            {
                plan = state.Plans[key.PlanIndexes[i]];
                planSlot = i;
            }

            if (plan is null)
            {
                return AccessOutcome.Forbidden;
            }
        }

        ThrottleDecision step;
        if (Gateway is not null)
        {
            bool allowed = Gateway.TryTake(now, out step);
            decision.Merge(step);
            if (!allowed)
            {
                return AccessOutcome.Throttled;
            }
        }

        if (state is null)
        {
            return AccessOutcome.Allowed;
        }

        if (state.Stage is { } stage && !Take(stage, now, ref decision))
        {
            return AccessOutcome.Throttled;
        }

        if (state.Route is { } routeBucket && !Take(routeBucket, now, ref decision))
        {
            return AccessOutcome.Throttled;
        }

        if (state.ClientIp is { } byIp)
        {
            bool allowed = byIp.TryTake(clientAddress, now, out step);
            decision.Merge(step);
            if (!allowed)
            {
                return AccessOutcome.Throttled;
            }
        }

        if (plan is not null)
        {
            if (plan.Bucket is { } byKey)
            {
                bool allowed = byKey.TryTake(key!.IdBytes, now, out step);
                decision.Merge(step);
                if (!allowed)
                {
                    return AccessOutcome.Throttled;
                }
            }

            if (key!.Quotas[planSlot] is { } quota
                && !quota.TryConsume(plan.Plan.QuotaLimit!.Value, plan.Plan.QuotaPeriod, time.GetUtcNow(), out _, out _))
            {
                return AccessOutcome.QuotaExceeded;
            }
        }

        return AccessOutcome.Allowed;
    }

    private static bool Take(ThrottleBucket bucket, long now, ref ThrottleDecision decision)
    {
        bool allowed = bucket.TryTake(now, out var step);
        decision.Merge(step);
        return allowed;
    }
}

internal sealed record RouteAccessState(RouteAccessModel Model, ThrottleBucket? Stage, ThrottleBucket? Route, ClientBucketTable? ClientIp, PlanAccess?[] Plans);

internal sealed record PlanAccess(UsagePlanModel Plan, ClientBucketTable? Bucket);

internal sealed class ApiKeyState(string id, byte[] digest, bool enabled, int[] planIndexes, QuotaCounter?[] quotas)
{
    public string Id { get; } = id;
    public byte[] IdBytes { get; } = Encoding.UTF8.GetBytes(id);
    public byte[] Digest { get; } = digest;
    public bool Enabled { get; } = enabled;
    public int[] PlanIndexes { get; } = planIndexes;
    public QuotaCounter?[] Quotas { get; } = quotas;
}

/// <summary>
/// Finds a key by the value a client presented. Keys are held as SHA-256 digests; hashing every request's key
/// with SHA-256 would cost more than the rest of the request, so a key that verified once is remembered (in
/// memory only, bounded) under a seeded xxHash3 of its value and compared in constant time afterwards.
/// </summary>
internal sealed class KeyIndex
{
    private const int MaxVerified = 10_000;
    private readonly Dictionary<UInt128, ApiKeyState> _byDigest = [];
    private readonly ConcurrentDictionary<ulong, (byte[] Value, ApiKeyState Key)> _verified = new();
    private readonly long _seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));

    public KeyIndex(IEnumerable<ApiKeyState> keys)
    {
        foreach (var key in keys)
        {
            _byDigest[Prefix(key.Digest)] = key;
        }
    }

    public ApiKeyState? Find(ReadOnlySpan<byte> presented)
    {
        if (presented.Length > 256)
        {
            return null;
        }

        ulong hash = XxHash3.HashToUInt64(presented, _seed);
        if (_verified.TryGetValue(hash, out var known) && CryptographicOperations.FixedTimeEquals(known.Value, presented))
        {
            return known.Key;
        }

        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(presented, digest);
        if (!_byDigest.TryGetValue(Prefix(digest), out var key) || !CryptographicOperations.FixedTimeEquals(key.Digest, digest))
        {
            return null;
        }

        if (_verified.Count < MaxVerified)
        {
            _verified[hash] = (presented.ToArray(), key);
        }

        return key;
    }

    private static UInt128 Prefix(ReadOnlySpan<byte> digest) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(digest);
}
