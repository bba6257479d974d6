namespace EdgeGw.Core.Caching;

/// <summary>
/// An upstream fetch in progress for one key. Concurrent misses for that key wait on <see cref="Completion"/>
/// instead of going upstream themselves; the result is the stored entry, or null when the response was not
/// cacheable or the fetch failed (then each waiter fetches for itself).
/// </summary>
public sealed class CacheFill
{
    private readonly TaskCompletionSource<CacheEntry?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal CacheFill(byte[] key, ulong hash)
    {
        Key = key;
        Hash = hash;
    }

    internal byte[] Key { get; }
    internal ulong Hash { get; }

    public Task<CacheEntry?> Completion => _completion.Task;

    internal void Complete(CacheEntry? entry) => _completion.TrySetResult(entry);
}
