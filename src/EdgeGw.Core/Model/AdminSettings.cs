using System.Collections.Immutable;

namespace EdgeGw.Core.Model;

/// <summary>The operator API's listeners (empty disables it) and its bearer token's SHA-256 digest (null: no token).</summary>
public sealed record AdminSettings(ImmutableArray<string> Listen)
{
    public static AdminSettings Disabled { get; } = new(ImmutableArray<string>.Empty);

    /// <summary>SHA-256 of the trimmed <c>admin.tokenFile</c> contents; null when admin requests need no token.</summary>
    public ImmutableArray<byte>? TokenDigest { get; init; }
}
