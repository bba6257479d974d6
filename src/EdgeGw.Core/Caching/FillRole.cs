namespace EdgeGw.Core.Caching;

/// <summary>What <see cref="ResponseCache.TryBeginFill"/> decided for a miss.</summary>
public enum FillRole : byte
{
    /// <summary>This caller fetches and must call <see cref="ResponseCache.CompleteFill"/>.</summary>
    Leader,
    /// <summary>Another caller is fetching the same key: wait on its fill.</summary>
    Follower,
    /// <summary>Coalescing is impossible (a different key with the same hash is being fetched): just fetch.</summary>
    Alone,
}
