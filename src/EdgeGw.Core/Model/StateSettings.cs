namespace EdgeGw.Core.Model;

/// <summary>Local persistence of quota usage and admin-created keys when Redis is not configured.</summary>
public sealed record StateSettings(string Path, TimeSpan FlushInterval)
{
    public static StateSettings Default { get; } = new("edgegw-state.json", TimeSpan.FromSeconds(5));
}
