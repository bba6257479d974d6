using System.Buffers.Binary;

namespace EdgeGw.Server;

/// <summary>The kinds and payloads of the messages instances send each other (<see cref="Core.Cluster.ClusterNode.Publish"/>).</summary>
internal static class ClusterMessages
{
    /// <summary><c>DELETE /cache</c>: flush everything. No payload.</summary>
    public const string CacheClear = "cache-clear";

    /// <summary><c>DELETE /cache/{api}/{stage}[?path=]</c>: one byte match-path flag, the prefix's length (4 bytes), the prefix, the path.</summary>
    public const string CacheStage = "cache-stage";

    /// <summary>A <c>Cache-Control: max-age=0</c> refresh: the entry's key.</summary>
    public const string CacheEntry = "cache-entry";

    public static byte[] StageFlush(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> path, bool matchPath)
    {
        byte[] payload = new byte[5 + prefix.Length + path.Length];
        payload[0] = matchPath ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(1), prefix.Length);
        prefix.CopyTo(payload.AsSpan(5));
        path.CopyTo(payload.AsSpan(5 + prefix.Length));
        return payload;
    }

    public static bool TryReadStageFlush(byte[] payload, out byte[] prefix, out byte[] path, out bool matchPath)
    {
        prefix = path = [];
        matchPath = false;
        if (payload.Length < 5)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(1));
        if (length < 0 || length > payload.Length - 5)
        {
            return false;
        }

        matchPath = payload[0] == 1;
        prefix = payload[5..(5 + length)];
        path = payload[(5 + length)..];
        return true;
    }
}
