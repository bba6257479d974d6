using EdgeGw.Core.Throttling;
using StackExchange.Redis;

namespace EdgeGw.Core.Cluster;

/// <summary>
/// Pub/sub channels an instance listens on, each with exactly one handler however often Redis comes and goes.
/// StackExchange.Redis registers a handler locally before Redis confirms the SUBSCRIBE, keeps it when Redis does
/// not answer, and re-sends SUBSCRIBE for every registered handler after each reconnect; it also raises
/// <c>ConnectionRestored</c> for a connection's first establishment, not only after a failure. Subscribing again
/// on that event (to make up for a subscription Redis never confirmed) would add a second handler, and a second
/// handler runs every message twice — an @connections POST delivered twice. So a retry removes this handler
/// before it adds it again, and only one attempt runs at a time.
/// </summary>
public sealed class RedisSubscription
{
    private const int Idle = 0, Working = 1, Done = 2;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly RedisLimits _redis;
    private readonly (RedisChannel Channel, Action<RedisChannel, RedisValue> Handler)[] _channels;
    private int _state;

    /// <summary>Subscribes now, and again whenever Redis is back while no subscription has been confirmed.</summary>
    public RedisSubscription(RedisLimits redis, params (RedisChannel Channel, Action<RedisChannel, RedisValue> Handler)[] channels)
    {
        _redis = redis;
        _channels = channels;
        redis.Connection.ConnectionRestored += (_, _) => Ensure();
        Ensure();
    }

    /// <summary>Redis confirmed every channel's subscription at least once (the client renews them by itself after a reconnect).</summary>
    public bool Subscribed => Volatile.Read(ref _state) == Done;

    private void Ensure()
    {
        if (Interlocked.CompareExchange(ref _state, Working, Idle) == Idle)
        {
            _ = SubscribeAsync();
        }
    }

    private async Task SubscribeAsync()
    {
        try
        {
            var subscriber = _redis.Connection.GetSubscriber();
            foreach (var (channel, handler) in _channels)
            {
                // Removes only this handler (a no-op the first time); the client drops its local registration first.
                await subscriber.UnsubscribeAsync(channel, handler).ConfigureAwait(false);
                await subscriber.SubscribeAsync(channel, handler).ConfigureAwait(false);
            }

            Volatile.Write(ref _state, Done);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            _redis.MarkUnavailable(ex.GetType().Name);
            Volatile.Write(ref _state, Idle);
            // Redis is there but refused or was slow (or came back while this attempt was failing, after its
            // ConnectionRestored had passed): try again shortly; no event would ask.
            if (_redis.Connection.IsConnected)
            {
                await Task.Delay(RetryDelay, _redis.Time).ConfigureAwait(false);
                Ensure();
            }
        }
    }

    /// <summary>Leaves the channels (a graceful stop); waits at most a second.</summary>
    public void Unsubscribe()
    {
        if (!_redis.Connection.IsConnected)
        {
            return;
        }

        var subscriber = _redis.Connection.GetSubscriber();
        var pending = new Task[_channels.Length];
        for (int i = 0; i < _channels.Length; i++)
        {
            pending[i] = subscriber.UnsubscribeAsync(_channels[i].Channel, _channels[i].Handler);
        }

        try
        {
            Task.WaitAll(pending, TimeSpan.FromSeconds(1));
        }
        catch (AggregateException)
        {
            // Redis went away: the subscription went with the connection.
        }
    }
}
