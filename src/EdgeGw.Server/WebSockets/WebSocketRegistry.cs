using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using EdgeGw.Core.Throttling;
using EdgeGw.Core.WebSockets;
using EdgeGw.Protocols.WebSockets;
using EdgeGw.Transport;

namespace EdgeGw.Server.WebSockets;

/// <summary>
/// Every open connection of every WebSocket API on this instance, by connection id, with the counters the
/// metrics endpoint shows. One timer sweeps all connections each second for idle timeouts, lifetimes and
/// close handshakes that never finished, so a connection carries no timer of its own.
/// </summary>
public sealed class WebSocketRegistry : IDisposable
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, WebSocketSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<WebSocketApiModel, ThrottleBucket> _connectBuckets = new();
    private readonly ConcurrentDictionary<string, WebSocketSession>.AlternateLookup<ReadOnlySpan<char>> _byChars;
    private readonly ITimer _sweep;
    private long _accepted;
    private long _refused;
    private long _messagesReceived;
    private long _messagesSent;
    private long _integrationErrors;
    private long _unroutable;
    private long _protocolErrors;
    private long _idleClosed;
    private long _lifetimeClosed;
    private long _aborted;

    internal WebSocketRegistry(TimeProvider time, int? instanceTag = null)
    {
        Time = time;
        InstanceTag = instanceTag ?? ConnectionIds.RandomTag();
        _byChars = _sessions.GetAlternateLookup<ReadOnlySpan<char>>();
        _sweep = time.CreateTimer(static s => ((WebSocketRegistry)s!).Sweep(), this, SweepInterval, SweepInterval);
    }

    internal TimeProvider Time { get; }

    /// <summary>The tag this instance's connection ids carry (<see cref="ConnectionIds"/>).</summary>
    internal int InstanceTag { get; }

    public int ActiveConnections => _sessions.Count;
    public long Accepted => Interlocked.Read(ref _accepted);
    /// <summary>Handshakes refused: bad handshake, origin, connection rate, or a $connect integration that said no.</summary>
    public long Refused => Interlocked.Read(ref _refused);
    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);
    public long MessagesSent => Interlocked.Read(ref _messagesSent);
    public long IntegrationErrors => Interlocked.Read(ref _integrationErrors);
    /// <summary>Messages that matched no route on an API without <c>$default</c>.</summary>
    public long Unroutable => Interlocked.Read(ref _unroutable);
    public long ProtocolErrors => Interlocked.Read(ref _protocolErrors);
    public long IdleClosed => Interlocked.Read(ref _idleClosed);
    public long LifetimeClosed => Interlocked.Read(ref _lifetimeClosed);
    /// <summary>Connections cut because the client never answered a close frame.</summary>
    public long Aborted => Interlocked.Read(ref _aborted);

    /// <summary>A new unguessable id in AWS's shape, carrying this instance's tag.</summary>
    internal string NewConnectionId() => ConnectionIds.New(InstanceTag);

    internal bool TryGet(string id, out WebSocketSession session) => _sessions.TryGetValue(id, out session!);

    /// <summary>Looks a connection up by the id's ASCII bytes as they arrived in a request path, without a string.</summary>
    internal bool TryGet(ReadOnlySpan<byte> id, out WebSocketSession session)
    {
        session = null!;
        if (id.Length is 0 or > 64)
        {
            return false;
        }

        Span<char> chars = stackalloc char[id.Length];
        for (int i = 0; i < id.Length; i++)
        {
            chars[i] = (char)id[i];
        }

        return _byChars.TryGetValue(chars, out session!);
    }

    internal IEnumerable<WebSocketSession> Sessions => _sessions.Values;

    internal void Register(WebSocketSession session)
    {
        _sessions[session.Id] = session;
        Interlocked.Increment(ref _accepted);
    }

    internal void Unregister(WebSocketSession session) => _sessions.TryRemove(new KeyValuePair<string, WebSocketSession>(session.Id, session));

    /// <summary>The API's new-connection bucket; true when this handshake may go on.</summary>
    internal bool TryAdmitConnection(WebSocketApiModel api)
    {
        if (api.NewConnectionsThrottle is not { } throttle)
        {
            return true;
        }

        if (!_connectBuckets.TryGetValue(api, out var bucket))
        {
            bucket = new ThrottleBucket(new ThrottleRate(throttle.RatePerSecond, throttle.Burst, Time.TimestampFrequency));
            if (!_connectBuckets.TryAdd(api, bucket))
            {
                _connectBuckets.TryGetValue(api, out bucket);
            }
        }

        return bucket!.TryTake(LoopClock.Now(Time), out _);
    }

    internal void OnRefused() => Interlocked.Increment(ref _refused);
    internal void OnMessageReceived() => Interlocked.Increment(ref _messagesReceived);
    internal void OnMessageSent() => Interlocked.Increment(ref _messagesSent);
    internal void OnIntegrationError() => Interlocked.Increment(ref _integrationErrors);
    internal void OnUnroutable() => Interlocked.Increment(ref _unroutable);
    internal void OnProtocolError() => Interlocked.Increment(ref _protocolErrors);

    /// <summary>Closes idle and expired connections and cuts those whose close handshake stalled.</summary>
    internal void Sweep()
    {
        long now = Time.GetTimestamp();
        foreach (var session in _sessions.Values)
        {
            long closeSent = session.CloseSentAt;
            if (closeSent != 0)
            {
                if (Time.GetElapsedTime(closeSent, now) >= WebSocketSession.CloseTimeout)
                {
                    Interlocked.Increment(ref _aborted);
                    session.Abort();
                }

                continue;
            }

            var limits = session.Api.Limits;
            if (Time.GetElapsedTime(session.ConnectedTimestamp, now) >= limits.MaxLifetime)
            {
                if (session.TryClose(WebSocketCloseCode.GoingAway, "Connection lifetime exceeded"u8))
                {
                    Interlocked.Increment(ref _lifetimeClosed);
                }
            }
            else if (Time.GetElapsedTime(session.LastActiveTimestamp, now) >= limits.IdleTimeout)
            {
                if (session.TryClose(WebSocketCloseCode.GoingAway, "Idle timeout"u8))
                {
                    Interlocked.Increment(ref _idleClosed);
                }
            }
        }
    }

    public void Dispose() => _sweep.Dispose();
}
