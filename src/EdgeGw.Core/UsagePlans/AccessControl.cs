using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.UsagePlans;

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
        History = new UsageHistory(time);
        _model = model;
        if (model.Redis is { } redis)
        {
            // Global mode is fixed at startup: changing Redis needs a restart (a reload keeps the first one).
            Redis = RedisLimits.Connect(redis.Configuration, redis.KeyPrefix, redis.FailOpen, redis.SyncInterval, time,
                TimeSpan.FromMilliseconds(redis.InstanceTtlMs), TimeSpan.FromMilliseconds(redis.LeaseIdleMs), tls: redis);
            Redis.LeaseWait = TimeSpan.FromMilliseconds(redis.LeaseWaitMs);
            Redis.Start();
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

    /// <summary>Raised after the admin API changed one key (created, enabled, disabled, deleted): its id.</summary>
    public event Action<string>? KeyChanged;

    private long _localChanges;

    /// <summary>Counts the admin API's key changes (a shared reload started before one must not undo it).</summary>
    public long LocalChanges => Interlocked.Read(ref _localChanges);

    private void OnKeyChanged(string id)
    {
        Interlocked.Increment(ref _localChanges);
        KeysChanged?.Invoke();
        KeyChanged?.Invoke(id);
    }

    /// <summary>An admin-created key as stored (null when absent), and whether key <paramref name="id"/> is disabled.</summary>
    public (ApiKeyDefinition? Key, bool Disabled) KeyState(string id) =>
        (_runtimeKeys.TryGetValue(id, out var key) ? key : null, _disabled.ContainsKey(id));

    /// <summary>
    /// Global mode: makes the admin-created keys and the disabled ids exactly the shared store's. Returns false
    /// (nothing changed) when a local change happened since <paramref name="seenChanges"/> was read.
    /// </summary>
    public bool ReplaceSharedKeys(IReadOnlyCollection<ApiKeyDefinition> keys, IReadOnlySet<string> disabled, long seenChanges)
    {
        lock (_rebindLock)
        {
            if (LocalChanges != seenChanges)
            {
                return false;
            }

            bool changed = false;
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var key in keys)
            {
                ids.Add(key.Id);
                if (!_runtimeKeys.TryGetValue(key.Id, out var existing) || existing.Sha256Hex != key.Sha256Hex || !existing.UsagePlans.SequenceEqual(key.UsagePlans))
                {
                    _runtimeKeys[key.Id] = key;
                    changed = true;
                }
            }

            foreach (string id in _runtimeKeys.Keys)
            {
                if (!ids.Contains(id))
                {
                    changed |= _runtimeKeys.TryRemove(id, out _);
                }
            }

            foreach (string id in disabled)
            {
                changed |= _disabled.TryAdd(id, true);
            }

            foreach (string id in _disabled.Keys)
            {
                if (!disabled.Contains(id))
                {
                    changed |= _disabled.TryRemove(id, out _);
                }
            }

            if (!changed)
            {
                return true;
            }
        }

        Rebuild();
        KeysChanged?.Invoke();
        return true;
    }

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
        OnKeyChanged(id);
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
        OnKeyChanged(id);
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
        History.Remove(id);
        Rebuild();
        OnKeyChanged(id);
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
            return new QuotaCounter(start, end, 0, args.Self.GlobalQuota(args.Key, args.Plan), args.Self.RecordClosed(args.Key, args.Plan.Name));
        }, (Self: this, Key: keyId, Plan: plan, Now: _time.GetUtcNow()));

    /// <summary>Past windows' usage (single-instance mode; global mode reads Redis's counters, kept for <see cref="UsageHistory.Retention"/>).</summary>
    public UsageHistory History { get; }

    private Action<DateTimeOffset, DateTimeOffset, long>? RecordClosed(string keyId, string plan) =>
        Redis is null ? (start, end, used) => History.Record(keyId, plan, start, end, used) : null;

    private Func<DateTimeOffset, DateTimeOffset, GlobalLease>? GlobalQuota(string keyId, UsagePlanModel plan) =>
        Redis is { } redis && plan.QuotaLimit is { } limit ? (start, end) => redis.Quota(SharedQuotaName(keyId, plan.Name), limit, start, end) : null;

    public IEnumerable<(string Key, string Plan, QuotaCounter Counter)> Quotas() =>
        _quotas.Select(q => (q.Key.Key, q.Key.Plan, q.Value));

    public void RestoreQuota(string keyId, string plan, DateTimeOffset start, DateTimeOffset end, long used)
    {
        if (Redis is not null)
        {
            return; // global mode: Redis holds the usage (a restored local counter would stop sharing the quota)
        }

        _quotas.GetOrAdd((keyId, plan), _ => new QuotaCounter(start, end, used, closed: RecordClosed(keyId, plan))).Restore(start, end, used);
    }

    /// <summary>The name of a key's shared quota counter under a plan (global mode), as <see cref="RedisLimits.Quota"/> takes it.</summary>
    public static string SharedQuotaName(string keyId, string plan) => $"quota|{plan}|{keyId}";

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
