namespace EdgeGw.Protocols.Buffers;

/// <summary>
/// Arrays for requests in flight: taken when a request needs one, given back when it ends, so an idle keep-alive
/// connection holds none. <see cref="System.Buffers.ArrayPool{T}.Shared"/> keeps only a few arrays per core, so with
/// hundreds of requests in flight it allocated one per request; this pool is lock-free, holds up to
/// <c>capacity</c> arrays and lets the rest go.
/// </summary>
public sealed class BoundedArrayPool<T>(int defaultLength, int capacity)
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<T[]> _pool = new();
    private int _pooled;

    public T[] Rent(int minimumLength)
    {
        while (_pool.TryDequeue(out var array))
        {
            Interlocked.Decrement(ref _pooled);
            if (array.Length >= minimumLength)
            {
                return array;
            }

            // Sized for a smaller limit before a reload: let it go.
        }

        return new T[Math.Max(minimumLength, defaultLength)];
    }

    public void Return(T[] array)
    {
        if (Interlocked.Increment(ref _pooled) <= capacity)
        {
            _pool.Enqueue(array);
        }
        else
        {
            Interlocked.Decrement(ref _pooled);
        }
    }
}
