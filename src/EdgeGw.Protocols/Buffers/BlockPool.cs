using System.Collections.Concurrent;
using System.Numerics;

namespace EdgeGw.Protocols.Buffers;

/// <summary>
/// A process-wide pool of byte arrays in power-of-two sizes (256 B to 1 MiB) for buffers that many connections
/// hold at once across an await — a WebSocket message while its integration call is in flight, a frame waiting
/// to be flushed. <see cref="System.Buffers.ArrayPool{T}.Shared"/> keeps only a few dozen arrays per size and
/// core, so thousands of connections each holding one make it allocate on every rent. Here each size keeps up
/// to about 4 MiB of arrays in a lock-free queue: renting and returning allocate nothing once warm, and the
/// memory kept is bounded.
/// </summary>
public static class BlockPool
{
    private const int MinShift = 8;
    private const int MaxShift = 20;
    private const long BytesPerSize = 4 * 1024 * 1024;

    private static readonly Bucket[] s_buckets = CreateBuckets();

    /// <summary>An array of at least <paramref name="minimumLength"/> bytes (exactly a power of two when pooled).</summary>
    public static byte[] Rent(int minimumLength)
    {
        int index = BucketIndex(minimumLength);
        if (index >= s_buckets.Length)
        {
            return GC.AllocateUninitializedArray<byte>(minimumLength);
        }

        var bucket = s_buckets[index];
        if (bucket.Arrays.TryDequeue(out var array))
        {
            Interlocked.Decrement(ref bucket.Count);
            return array;
        }

        return GC.AllocateUninitializedArray<byte>(1 << (index + MinShift));
    }

    /// <summary>Gives an array from <see cref="Rent"/> back; arrays of other sizes and a full pool are left to the GC.</summary>
    public static void Return(byte[] array)
    {
        if (!BitOperations.IsPow2(array.Length))
        {
            return;
        }

        int index = BucketIndex(array.Length);
        if (index >= s_buckets.Length || (1 << (index + MinShift)) != array.Length)
        {
            return;
        }

        var bucket = s_buckets[index];
        if (Interlocked.Increment(ref bucket.Count) > bucket.Capacity)
        {
            Interlocked.Decrement(ref bucket.Count);
            return;
        }

        bucket.Arrays.Enqueue(array);
    }

    private static int BucketIndex(int length) =>
        length <= 1 << MinShift ? 0 : BitOperations.Log2((uint)length - 1) + 1 - MinShift;

    private static Bucket[] CreateBuckets()
    {
        var buckets = new Bucket[MaxShift - MinShift + 1];
        for (int i = 0; i < buckets.Length; i++)
        {
            buckets[i] = new Bucket((int)Math.Clamp(BytesPerSize >> (i + MinShift), 4, 4096));
        }

        return buckets;
    }

    private sealed class Bucket(int capacity)
    {
        public readonly ConcurrentQueue<byte[]> Arrays = new();
        public readonly int Capacity = capacity;
        public int Count;
    }
}
