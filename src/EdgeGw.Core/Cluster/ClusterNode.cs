using System.Reflection;
using System.Text;
using System.Text.Json;
using EdgeGw.Core.Throttling;
using StackExchange.Redis;

namespace EdgeGw.Core.Cluster;

/// <summary>What an instance says about itself in the membership list.</summary>
public sealed record InstanceInfo(string Id, IReadOnlyList<string> Addresses, IReadOnlyList<string> Admin, string Version, DateTimeOffset StartedAt);

/// <summary>An instance as listed: its own description and when its registration lapses (Redis time).</summary>
public sealed record ClusterMember(string Id, InstanceInfo? Info, DateTimeOffset ExpiresAt);

/// <summary>
/// This instance as a member of a cluster of gateways sharing one Redis (global mode): it registers itself
/// (id, addresses, version, start time) with a TTL refreshed every third of it, lists the live instances, and
/// carries the messages instances send each other over one pub/sub channel (cache flushes, refreshed entries,
/// API key changes). A message names its sender, which ignores its own. Nothing here runs on the request path
/// except <see cref="Publish"/> for a refreshed cache entry (fire and forget).
/// </summary>
public sealed class ClusterNode : IDisposable
{
    // Registers ARGV[1] until now + ARGV[2] ms with its description ARGV[3]; drops lapsed members.
    private const string HeartbeatScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
        local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
        for i = 1, #gone do redis.call('HDEL', KEYS[2], gone[i]) end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
        return now
        """;

    // The live members: id, expiry (ms), description.
    private const string ListScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local live = redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf', 'WITHSCORES')
        local out = {}
        for i = 1, #live, 2 do
          out[#out + 1] = live[i]
          out[#out + 1] = live[i + 1]
          out[#out + 1] = redis.call('HGET', KEYS[2], live[i]) or ''
        end
        return out
        """;

    private readonly RedisLimits _redis;
    private readonly Func<InstanceInfo> _describe;
    private readonly RedisKey _members;
    private readonly RedisKey _info;
    private readonly RedisChannel _channel;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public ClusterNode(RedisLimits redis, Func<IReadOnlyList<string>> addresses, Func<IReadOnlyList<string>> admin)
    {
        _redis = redis;
        Id = redis.InstanceId;
        StartedAt = redis.Time.GetUtcNow();
        _describe = () => new InstanceInfo(Id, addresses(), admin(), Version, StartedAt);
        _members = redis.MembersKey;
        _info = redis.KeyPrefix + "cluster:info";
        _channel = RedisChannel.Literal(redis.KeyPrefix + "cluster:events");
        _subscription = new RedisSubscription(redis, (_channel, (_, message) => OnMessage(message)));
    }

    private readonly RedisSubscription _subscription;

    /// <summary>Whether the subscription to the other instances' messages is in place.</summary>
    public bool Subscribed => _subscription.Subscribed;

    /// <summary>The gateway's version, as <c>GET /cluster</c> shows it.</summary>
    public static string Version { get; } =
        typeof(ClusterNode).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public string Id { get; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>Messages from the other instances: (kind, payload). Raised on the Redis client's thread.</summary>
    public event Action<string, byte[]>? Message;

    /// <summary>Starts the heartbeat (the host calls it once).</summary>
    public void Start() => _loop ??= LoopAsync();

    /// <summary>Registers (or refreshes) this instance now, e.g. once its listeners are bound.</summary>
    public async Task HeartbeatAsync()
    {
        try
        {
            string json = JsonSerializer.Serialize(_describe());
            await _redis.Connection.GetDatabase().ScriptEvaluateAsync(HeartbeatScript, [_members, _info],
                [Id, (long)_redis.InstanceTtl.TotalMilliseconds, json]).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            _redis.MarkUnavailable(ex.GetType().Name);
        }
    }

    /// <summary>The instances whose registration has not lapsed (this one included once it beat).</summary>
    public async Task<IReadOnlyList<ClusterMember>> ListAsync()
    {
        var result = (RedisResult[])(await _redis.Connection.GetDatabase().ScriptEvaluateAsync(ListScript, [_members, _info]).ConfigureAwait(false))!;
        var members = new List<ClusterMember>(result.Length / 3);
        for (int i = 0; i + 2 < result.Length; i += 3)
        {
            string json = (string?)result[i + 2] ?? "";
            InstanceInfo? info = null;
            if (json.Length > 0)
            {
                try
                {
                    info = JsonSerializer.Deserialize<InstanceInfo>(json);
                }
                catch (JsonException)
                {
                    // Written by another version: listed without its description.
                }
            }

            members.Add(new ClusterMember((string)result[i]!, info, DateTimeOffset.FromUnixTimeMilliseconds((long)(double)result[i + 1])));
        }

        return members;
    }

    /// <summary>Sends a message to every other instance (fire and forget: a lost message is logged by none).</summary>
    public void Publish(string kind, ReadOnlySpan<byte> payload)
    {
        // sender \n kind \n payload
        byte[] message = new byte[Id.Length + kind.Length + 2 + payload.Length];
        int written = Encoding.ASCII.GetBytes(Id, message);
        message[written++] = (byte)'\n';
        written += Encoding.ASCII.GetBytes(kind, message.AsSpan(written));
        message[written++] = (byte)'\n';
        payload.CopyTo(message.AsSpan(written));
        try
        {
            _redis.Connection.GetSubscriber().Publish(_channel, message, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            _redis.MarkUnavailable(ex.GetType().Name);
        }
    }

    private void OnMessage(RedisValue value)
    {
        byte[]? message = value;
        if (message is null)
        {
            return;
        }

        int first = Array.IndexOf(message, (byte)'\n');
        int second = first < 0 ? -1 : Array.IndexOf(message, (byte)'\n', first + 1);
        if (second < 0 || message.AsSpan(0, first).SequenceEqual(Encoding.ASCII.GetBytes(Id)))
        {
            return; // malformed, or our own
        }

        string kind = Encoding.ASCII.GetString(message, first + 1, second - first - 1);
        Message?.Invoke(kind, message[(second + 1)..]);
    }

    private async Task LoopAsync()
    {
        try
        {
            var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 100, _redis.InstanceTtl.Ticks / 3));
            await HeartbeatAsync().ConfigureAwait(false);
            using var timer = new PeriodicTimer(period, _redis.Time);
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                await HeartbeatAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Leaves the list at once (a graceful stop; a killed instance lapses after its TTL).</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        if (_redis.Connection.IsConnected)
        {
            try
            {
                var db = _redis.Connection.GetDatabase();
                Task.WaitAll([db.SortedSetRemoveAsync(_members, Id), db.HashDeleteAsync(_info, Id)], TimeSpan.FromSeconds(1));
            }
            catch (AggregateException)
            {
                // Redis went away: the registration lapses by itself.
            }
        }

        _stopping.Dispose();
    }
}
