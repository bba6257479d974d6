using System.Buffers.Binary;
using System.Text;
using EdgeGw.Core.Cluster;
using EdgeGw.Core.Throttling;
using EdgeGw.Server.Admin;

namespace EdgeGw.Server.WebSockets;

/// <summary>
/// Cluster mode's @connections: a call for a connection another instance holds (its id carries that instance's
/// tag, <see cref="ConnectionIds"/>) is sent to it over Redis (<see cref="ClusterRequests"/>), run there exactly as
/// a local call (<see cref="AdminApi.LocalConnection"/>), and its answer — status, AWS error type, body — relayed
/// as is. An owner that no longer listens is 410 at once; one that listens but does not answer within
/// <see cref="Timeout"/> is 410 when it has left the membership list, else 504.
/// </summary>
internal sealed class ConnectionRelay : IDisposable
{
    /// <summary>How long a caller waits for the owning instance (a healthy one answers within a Redis round trip or two).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private static readonly AdminResponse Gone = AdminResponse.Error(410, "GoneException", AdminApi.GoneMessage);

    private readonly WebSocketRegistry _registry;
    private readonly ClusterNode _node;
    private readonly ClusterRequests _requests;

    public ConnectionRelay(RedisLimits redis, ClusterNode node, WebSocketRegistry registry)
    {
        _registry = registry;
        _node = node;
        _requests = new ClusterRequests(redis, ConnectionIds.TagText(registry.InstanceTag), OnRequest);
    }

    /// <summary>Requests reach this instance and answers reach it.</summary>
    public bool Subscribed => _requests.Subscribed;

    /// <summary>The id is in this version's shape and names another instance.</summary>
    public bool IsRemote(ReadOnlySpan<char> id, out int tag) => ConnectionIds.TryReadTag(id, out tag) && tag != _registry.InstanceTag;

    /// <summary>Runs <paramref name="method"/> on the instance holding connection <paramref name="id"/>.</summary>
    public async Task<AdminResponse> ForwardAsync(int tag, string method, string id, ReadOnlyMemory<byte> body)
    {
        byte op = method switch
        {
            "POST" => (byte)'P',
            "GET" => (byte)'G',
            "DELETE" => (byte)'D',
            _ => 0,
        };
        if (op == 0)
        {
            return AdminResponse.Error(405, "method not allowed");
        }

        // op (1) | id length (1) | id | body
        byte[] payload = new byte[2 + id.Length + body.Length];
        payload[0] = op;
        payload[1] = (byte)id.Length;
        Encoding.ASCII.GetBytes(id, payload.AsSpan(2));
        body.Span.CopyTo(payload.AsSpan(2 + id.Length));
        var reply = await _requests.SendAsync(ConnectionIds.TagText(tag), payload, Timeout).ConfigureAwait(false);
        switch (reply.Status)
        {
            case ClusterReplyStatus.Answered:
                return Decode(reply.Payload!) ?? AdminResponse.Error(502, "the instance holding the connection sent an answer this version cannot read");
            case ClusterReplyStatus.NoInstance:
                return Gone;
            case ClusterReplyStatus.TimedOut:
                return await IsMemberAsync(tag).ConfigureAwait(false)
                    ? AdminResponse.Error(504, $"the instance holding the connection did not answer within {Timeout.TotalSeconds:0} s")
                    : Gone;
            default:
                return AdminResponse.Error(503, "redis unreachable: the connection is held by another instance");
        }
    }

    private async Task<bool> IsMemberAsync(int tag)
    {
        try
        {
            foreach (var member in await _node.ListAsync().ConfigureAwait(false))
            {
                if (ConnectionIds.TagOf(member.Id) == tag)
                {
                    return true;
                }
            }

            return false;
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return true; // unknown: do not claim the connection is gone
        }
    }

    /// <summary>Another instance's call for one of this instance's connections (on the Redis client's thread; nothing here waits).</summary>
    private byte[] OnRequest(byte[] payload)
    {
        if (payload.Length < 2 || payload.Length < 2 + payload[1])
        {
            throw new FormatException("short @connections request");
        }

        string method = payload[0] switch
        {
            (byte)'P' => "POST",
            (byte)'G' => "GET",
            (byte)'D' => "DELETE",
            _ => throw new FormatException("unknown @connections operation"),
        };
        string id = Encoding.ASCII.GetString(payload, 2, payload[1]);
        return Encode(AdminApi.LocalConnection(_registry, method, id, payload.AsSpan(2 + payload[1])));
    }

    // status (2) | error type length (1) | error type | body
    private static byte[] Encode(AdminResponse response)
    {
        string type = response.ErrorType ?? "";
        byte[] encoded = new byte[3 + type.Length + response.Body.Length];
        BinaryPrimitives.WriteUInt16BigEndian(encoded, (ushort)response.Status);
        encoded[2] = (byte)type.Length;
        Encoding.ASCII.GetBytes(type, encoded.AsSpan(3));
        response.Body.CopyTo(encoded, 3 + type.Length);
        return encoded;
    }

    private static AdminResponse? Decode(byte[] encoded)
    {
        if (encoded.Length < 3 || encoded.Length < 3 + encoded[2])
        {
            return null;
        }

        int status = BinaryPrimitives.ReadUInt16BigEndian(encoded);
        string? type = encoded[2] == 0 ? null : Encoding.ASCII.GetString(encoded, 3, encoded[2]);
        return new AdminResponse(status, "application/json", encoded[(3 + encoded[2])..]) { ErrorType = type };
    }

    public void Dispose() => _requests.Dispose();
}
