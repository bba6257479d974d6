namespace EdgeGw.Core.Observability;

/// <summary>What the response cache did for a request (<c>$context.edgegw.cache</c>).</summary>
public enum CacheResult : byte
{
    /// <summary>The route is not cached (or the method is not).</summary>
    None,
    Hit,
    Miss,
}
