using System.Collections.Immutable;

namespace EdgeGw.Core.Model;

/// <summary>An API key from configuration: only its SHA-256 is kept.</summary>
public sealed record ApiKeyDefinition(string Id, string Sha256Hex, bool Enabled, ImmutableArray<string> UsagePlans);
