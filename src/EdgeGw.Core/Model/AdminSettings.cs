using System.Collections.Immutable;

namespace EdgeGw.Core.Model;

/// <summary>The operator API's listeners; empty disables it.</summary>
public sealed record AdminSettings(ImmutableArray<string> Listen)
{
    public static AdminSettings Disabled { get; } = new(ImmutableArray<string>.Empty);
}
