using System.Collections.Immutable;
using System.Text.Json;
using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;
using EdgeGw.Core.UsagePlans;
using StackExchange.Redis;

namespace EdgeGw.Core.Cluster;

/// <summary>
/// Global mode: API keys created, disabled, enabled or deleted through any instance's admin API are kept in
/// Redis (a hash of admin-created keys — id, SHA-256, plans — and a set of disabled ids, config keys included)
/// and every other instance reloads them on the change's message (and every few seconds, for a message lost
/// while Redis was away). The plain key is never stored. The state file stays the store without Redis.
/// </summary>
public sealed class SharedApiKeys : IDisposable
{
    /// <summary>The message kind telling the other instances to reload.</summary>
    public const string Changed = "keys";

    private readonly RedisLimits _redis;
    private readonly AccessControl _access;
    private readonly ClusterNode _node;
    private readonly RedisKey _keys;
    private readonly RedisKey _disabled;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeSpan _resync;
    private readonly long _changesBefore;
    private long _written;
    private Task? _loop;

    public SharedApiKeys(RedisLimits redis, AccessControl access, ClusterNode node, TimeSpan? resync = null)
    {
        _redis = redis;
        _access = access;
        _node = node;
        _keys = redis.KeyPrefix + "apikeys";
        _disabled = redis.KeyPrefix + "apikeys:disabled";
        _resync = resync ?? TimeSpan.FromSeconds(5);
        _changesBefore = access.LocalChanges;
        access.KeyChanged += id => _ = WriteAsync(id);
        node.Message += (kind, payload) =>
        {
            if (kind == Changed)
            {
                _ = ReloadAsync();
            }
        };
    }

    private sealed record StoredKey(string Id, string Sha256, string[] UsagePlans);

    /// <summary>Joins the shared store (keys only this instance knows, e.g. from its state file, are added), then keeps reloading.</summary>
    public void Start() => _loop ??= LoopAsync();

    private async Task LoopAsync()
    {
        try
        {
            await JoinAsync().ConfigureAwait(false);
            using var timer = new PeriodicTimer(_resync, _redis.Time);
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                await ReloadAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task JoinAsync()
    {
        try
        {
            var db = _redis.Connection.GetDatabase();
            foreach (var key in _access.RuntimeKeys())
            {
                await db.HashSetAsync(_keys, key.Id, Serialize(key), When.NotExists).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            _redis.MarkUnavailable(ex.GetType().Name);
        }

        await ReloadAsync().ConfigureAwait(false);
    }

    private static string Serialize(ApiKeyDefinition key) => JsonSerializer.Serialize(new StoredKey(key.Id, key.Sha256Hex, [.. key.UsagePlans]));

    /// <summary>Writes one key's state (after an admin change here), then tells the others.</summary>
    private async Task WriteAsync(string id)
    {
        try
        {
            var (key, disabled) = _access.KeyState(id);
            var db = _redis.Connection.GetDatabase();
            var transaction = db.CreateTransaction();
            _ = key is null ? transaction.HashDeleteAsync(_keys, id) : transaction.HashSetAsync(_keys, id, Serialize(key));
            _ = disabled ? transaction.SetAddAsync(_disabled, id) : transaction.SetRemoveAsync(_disabled, id);
            await transaction.ExecuteAsync().ConfigureAwait(false);
            _node.Publish(Changed, []);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            _redis.MarkUnavailable(ex.GetType().Name);
        }
        finally
        {
            Interlocked.Increment(ref _written);
        }
    }

    /// <summary>Makes this instance's keys the store's (retried when an admin change here raced the read; skipped while one is being written).</summary>
    public async Task ReloadAsync()
    {
        try
        {
            for (int attempt = 0; attempt < 3; attempt++)
            {
                long seen = _access.LocalChanges;
                if (Interlocked.Read(ref _written) < seen - _changesBefore)
                {
                    // A local change is still on its way to Redis: a read now would not hold it and would undo
                    // it here. The write's own message (or the next resync) reloads afterwards.
                    return;
                }

                var db = _redis.Connection.GetDatabase();
                var entries = await db.HashGetAllAsync(_keys).ConfigureAwait(false);
                var disabled = await db.SetMembersAsync(_disabled).ConfigureAwait(false);
                var keys = new List<ApiKeyDefinition>(entries.Length);
                foreach (var entry in entries)
                {
                    try
                    {
                        if (JsonSerializer.Deserialize<StoredKey>((string)entry.Value!) is { } stored)
                        {
                            keys.Add(new ApiKeyDefinition(stored.Id, stored.Sha256, true, [.. stored.UsagePlans]));
                        }
                    }
                    catch (JsonException)
                    {
                        // Written by another version: skipped.
                    }
                }

                var ids = new HashSet<string>(StringComparer.Ordinal);
                foreach (var id in disabled)
                {
                    ids.Add((string)id!);
                }

                if (_access.ReplaceSharedKeys(keys, ids, seen))
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            _redis.MarkUnavailable(ex.GetType().Name);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }
}
