using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using EdgeGw.Core.Throttling;
using StackExchange.Redis;

namespace EdgeGw.Core.Cluster;

/// <summary>How a request to another instance ended.</summary>
public enum ClusterReplyStatus : byte
{
    /// <summary>The instance answered; the payload is its answer.</summary>
    Answered,
    /// <summary>No instance listens on that tag's channel (stopped, killed, or never there).</summary>
    NoInstance,
    /// <summary>Someone listens but no answer came within the timeout.</summary>
    TimedOut,
    /// <summary>Redis could not be reached.</summary>
    Unavailable,
}

/// <summary>An answer from another instance, or why there is none.</summary>
public readonly record struct ClusterReply(ClusterReplyStatus Status, byte[]? Payload);

/// <summary>
/// Request and reply between instances over Redis pub/sub: each instance listens on a request channel named by
/// its short tag (so a caller that holds an id carrying the tag needs no lookup) and on a reply channel named by
/// its id. A request carries a sequence number and the caller's id; the answer goes back on the caller's reply
/// channel with that number. PUBLISH says how many listen: none means the instance is gone (a stopped instance
/// unsubscribed; a killed one's socket closed, which Redis sees at once), so the caller does not wait for a
/// timeout. Off the request path: the @connections API of a connection held elsewhere.
/// </summary>
public sealed class ClusterRequests : IDisposable
{
    private readonly RedisLimits _redis;
    private readonly RedisChannel _requests;
    private readonly RedisChannel _replies;
    private readonly byte[] _self;
    private readonly Func<byte[], byte[]> _handler;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<byte[]>> _waiting = new();
    private readonly RedisSubscription _subscription;
    private long _sequence;

    /// <param name="redis">The shared connection.</param>
    /// <param name="tag">This instance's tag: its request channel's name.</param>
    /// <param name="handler">Answers a request from another instance (called on the Redis client's thread: it must not block).</param>
    public ClusterRequests(RedisLimits redis, string tag, Func<byte[], byte[]> handler)
    {
        _redis = redis;
        _handler = handler;
        _self = Encoding.ASCII.GetBytes(redis.InstanceId);
        _requests = RequestChannel(tag);
        _replies = RedisChannel.Literal(redis.KeyPrefix + "cluster:reply:" + redis.InstanceId);
        _subscription = new RedisSubscription(redis, (_replies, (_, message) => OnReply(message)), (_requests, (_, message) => OnRequest(message)));
    }

    /// <summary>Both channels are subscribed: requests reach this instance and answers reach its callers.</summary>
    public bool Subscribed => _subscription.Subscribed;

    private RedisChannel RequestChannel(string tag) => RedisChannel.Literal(_redis.KeyPrefix + "cluster:request:" + tag);

    /// <summary>Sends <paramref name="payload"/> to the instance listening on <paramref name="tag"/> and waits for its answer.</summary>
    public async Task<ClusterReply> SendAsync(string tag, ReadOnlyMemory<byte> payload, TimeSpan timeout)
    {
        long sequence = Interlocked.Increment(ref _sequence);
        // sequence (8) | caller id length (1) | caller id | payload
        byte[] message = new byte[9 + _self.Length + payload.Length];
        BinaryPrimitives.WriteInt64BigEndian(message, sequence);
        message[8] = (byte)_self.Length;
        _self.CopyTo(message, 9);
        payload.Span.CopyTo(message.AsSpan(9 + _self.Length));
        var waiter = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[sequence] = waiter;
        try
        {
            long listeners;
            try
            {
                listeners = await _redis.Connection.GetSubscriber().PublishAsync(RequestChannel(tag), message).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                _redis.MarkUnavailable(ex.GetType().Name);
                return new ClusterReply(ClusterReplyStatus.Unavailable, null);
            }

            if (listeners == 0)
            {
                return new ClusterReply(ClusterReplyStatus.NoInstance, null);
            }

            try
            {
                return new ClusterReply(ClusterReplyStatus.Answered, await waiter.Task.WaitAsync(timeout, _redis.Time).ConfigureAwait(false));
            }
            catch (TimeoutException)
            {
                return new ClusterReply(ClusterReplyStatus.TimedOut, null);
            }
        }
        finally
        {
            _waiting.TryRemove(sequence, out _);
        }
    }

    private void OnRequest(RedisValue value)
    {
        byte[]? message = value;
        if (message is null || message.Length < 9 || message.Length < 9 + message[8])
        {
            return;
        }

        int callerLength = message[8];
        byte[] answer;
        try
        {
            answer = _handler(message[(9 + callerLength)..]);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            return; // malformed: the caller times out
        }

        byte[] reply = new byte[8 + answer.Length];
        message.AsSpan(0, 8).CopyTo(reply);
        answer.CopyTo(reply, 8);
        var channel = RedisChannel.Literal(_redis.KeyPrefix + "cluster:reply:" + Encoding.ASCII.GetString(message, 9, callerLength));
        try
        {
            _redis.Connection.GetSubscriber().Publish(channel, reply, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            _redis.MarkUnavailable(ex.GetType().Name);
        }
    }

    private void OnReply(RedisValue value)
    {
        byte[]? message = value;
        if (message is null || message.Length < 8)
        {
            return;
        }

        if (_waiting.TryRemove(BinaryPrimitives.ReadInt64BigEndian(message), out var waiter))
        {
            waiter.TrySetResult(message[8..]);
        }
    }

    public void Dispose() => _subscription.Unsubscribe();
}
