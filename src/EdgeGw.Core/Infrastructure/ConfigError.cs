namespace EdgeGw.Core.Infrastructure;

/// <summary>One problem in the configuration, located by its JSON path (e.g. <c>apis[0].routes[1].key</c>).</summary>
public readonly record struct ConfigError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
