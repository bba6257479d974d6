using System.Collections.Immutable;
using EdgeGw.Core.ClientAddresses;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.SourceIp;

/// <summary>A <c>sourceIp</c> object as written (an API's or a route's).</summary>
internal sealed record SourceIpConfig(ImmutableArray<string> Allow, ImmutableArray<string> Deny);

/// <summary>
/// <c>apis[].sourceIp</c> and <c>apis[].routes[].sourceIp</c>: CIDR blocks allowed and denied (AWS resource
/// policies' <c>aws:SourceIp</c> conditions). A route's object replaces its API's; deny wins over allow.
/// </summary>
internal static class SourceIpSection
{
    /// <summary>Blocks per list at most.</summary>
    public const int MaxNetworks = 1024;

    private static readonly string[] Keys = ["allow", "deny"];

    public static SourceIpConfig? Read(ConfigReader reader, IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return null;
        }

        reader.CheckObject(section, path, Keys);
        return new SourceIpConfig(
            reader.ReadStrings(section.GetSection("allow"), ConfigReader.Join(path, "allow")),
            reader.ReadStrings(section.GetSection("deny"), ConfigReader.Join(path, "deny")));
    }

    public static void Validate(ConfigChecks checks, SourceIpConfig? config, string path)
    {
        if (config is null)
        {
            return;
        }

        if (config.Allow.IsEmpty && config.Deny.IsEmpty)
        {
            checks.Error(path, "give \"allow\", \"deny\" or both (lists of CIDR blocks such as 10.0.0.0/8 or 2001:db8::/32)");
        }

        CheckList(checks, config.Allow, $"{path}.allow");
        CheckList(checks, config.Deny, $"{path}.deny");
    }

    /// <summary>The route's policy: its own object, else its API's; null when neither has one.</summary>
    public static SourceIpPolicy? Compile(SourceIpConfig? route, SourceIpConfig? api)
    {
        var config = route ?? api;
        return config is null ? null : SourceIpPolicy.Create(config.Allow, config.Deny);
    }

    private static void CheckList(ConfigChecks checks, ImmutableArray<string> networks, string path)
    {
        if (networks.Length > MaxNetworks)
        {
            checks.Error(path, $"at most {MaxNetworks} blocks");
        }

        for (int i = 0; i < networks.Length; i++)
        {
            if (!TrustedProxies.TryParseNetwork(networks[i], out _, out _, out string? problem))
            {
                checks.Error($"{path}[{i}]", problem!);
            }
        }
    }
}
