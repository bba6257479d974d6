using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Upstream;

/// <summary>One upstream cluster as written.</summary>
internal sealed record ClusterConfig(
    string Name,
    string LoadBalancing,
    ImmutableArray<string> Destinations,
    int MaxConnectionsPerDestination,
    int ConnectTimeoutMs,
    int IdleTimeoutSeconds,
    int ResponseTimeoutMs,
    HealthConfig Health,
    CircuitBreakerConfig? CircuitBreaker,
    int ResponseBufferBytes = UpstreamPoolSettings.DefaultResponseBufferBytes,
    int Retries = ClusterModel.DefaultRetries,
    ClusterTlsConfig? Tls = null);

/// <summary>Passive health settings and optional active probes, as written.</summary>
internal sealed record HealthConfig(int ConsecutiveFailures, int ReactivationSeconds, ActiveHealthConfig? Active);

internal sealed record ActiveHealthConfig(string Path, int IntervalSeconds, int TimeoutMs, int HealthyThreshold, int UnhealthyThreshold);

internal sealed record CircuitBreakerConfig(double FailureRatio, int MinimumRequests, int WindowSeconds, int OpenSeconds);

/// <summary>
/// <c>clusters</c>: upstream destinations with their pool, balancing, health and circuit breaker, compiled
/// into <see cref="ClusterModel"/>s that own <see cref="HealthSettings"/> and <see cref="CircuitBreakerSettings"/>.
/// </summary>
internal sealed class ClusterSection : IConfigSection
{
    public const string DefaultLoadBalancing = "RoundRobin";
    public const int DefaultMaxConnectionsPerDestination = 1024;
    public const int DefaultConnectTimeoutMs = 5000;
    public const int DefaultIdleTimeoutSeconds = 60;
    public const int DefaultResponseTimeoutMs = 29000;

    private const string Key = "clusters";
    private static readonly string[] ClusterKeys =
        ["name", "loadBalancing", "destinations", "maxConnectionsPerDestination", "connectTimeoutMs", "idleTimeoutSeconds", "responseTimeoutMs", "responseBufferBytes", "retries", "health", "circuitBreaker", "tls"];
    private static readonly string[] HealthKeys = ["consecutiveFailures", "reactivationSeconds", "active"];
    private static readonly string[] ActiveHealthKeys = ["path", "intervalSeconds", "timeoutMs", "healthyThreshold", "unhealthyThreshold"];
    private static readonly string[] BreakerKeys = ["failureRatio", "minimumRequests", "windowSeconds", "openSeconds"];

    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    // The clusters' tls objects, loaded (files read) by Validate for Compile, by cluster position.
    private readonly Dictionary<int, UpstreamTlsSettings> _tls = [];

    public ImmutableArray<ClusterConfig> Config { get; private set; } = [];

    /// <summary>Whether a cluster of this name is written (for integrations that name one).</summary>
    public bool IsDefined(string name) => _names.Contains(name);

    public void Read(IConfiguration root, ConfigReader reader)
    {
        Config = reader.ReadArray(root.GetSection(Key), Key, (section, path) => ReadCluster(reader, section, path));
        _names.Clear();
        foreach (var cluster in Config)
        {
            if (cluster.Name.Length > 0)
            {
                _names.Add(cluster.Name);
            }
        }
    }

    public void Validate(ConfigChecks checks)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        _tls.Clear();
        for (int i = 0; i < Config.Length; i++)
        {
            ValidateCluster(checks, Config[i], $"clusters[{i}]", names);
            if (Config[i].Tls is { } tls && ClusterTls.Load(checks, tls, $"clusters[{i}].tls") is { } settings)
            {
                _tls[i] = settings;
            }
        }
    }

    /// <summary>The clusters in order (<see cref="ClusterModel.Index"/> is the position).</summary>
    public ImmutableArray<ClusterModel> Compile()
    {
        var clusters = ImmutableArray.CreateBuilder<ClusterModel>(Config.Length);
        foreach (var cluster in Config)
        {
            clusters.Add(CompileCluster(cluster, clusters.Count, _tls.GetValueOrDefault(clusters.Count)));
        }

        return clusters.MoveToImmutable();
    }

    private static ClusterConfig ReadCluster(ConfigReader reader, IConfigurationSection section, string path)
    {
        reader.CheckObject(section, path, ClusterKeys);
        return new ClusterConfig(
            section["name"] ?? "",
            section["loadBalancing"] ?? DefaultLoadBalancing,
            reader.ReadStrings(section.GetSection("destinations"), ConfigReader.Join(path, "destinations")),
            reader.ReadInt(section, path, "maxConnectionsPerDestination") ?? DefaultMaxConnectionsPerDestination,
            reader.ReadInt(section, path, "connectTimeoutMs") ?? DefaultConnectTimeoutMs,
            reader.ReadInt(section, path, "idleTimeoutSeconds") ?? DefaultIdleTimeoutSeconds,
            reader.ReadInt(section, path, "responseTimeoutMs") ?? DefaultResponseTimeoutMs,
            ReadHealth(reader, section.GetSection("health"), ConfigReader.Join(path, "health")),
            ReadBreaker(reader, section.GetSection("circuitBreaker"), ConfigReader.Join(path, "circuitBreaker")),
            reader.ReadInt(section, path, "responseBufferBytes") ?? UpstreamPoolSettings.DefaultResponseBufferBytes,
            reader.ReadInt(section, path, "retries") ?? ClusterModel.DefaultRetries,
            ClusterTls.Read(reader, section.GetSection("tls"), ConfigReader.Join(path, "tls")));
    }

    private static HealthConfig ReadHealth(ConfigReader reader, IConfigurationSection section, string path)
    {
        reader.CheckObject(section, path, HealthKeys);
        ActiveHealthConfig? active = null;
        var activeSection = section.GetSection("active");
        if (activeSection.Exists())
        {
            string activePath = ConfigReader.Join(path, "active");
            reader.CheckObject(activeSection, activePath, ActiveHealthKeys);
            active = new ActiveHealthConfig(
                activeSection["path"] ?? "/health",
                reader.ReadInt(activeSection, activePath, "intervalSeconds") ?? 5,
                reader.ReadInt(activeSection, activePath, "timeoutMs") ?? 2000,
                reader.ReadInt(activeSection, activePath, "healthyThreshold") ?? 2,
                reader.ReadInt(activeSection, activePath, "unhealthyThreshold") ?? 3);
        }

        return new HealthConfig(
            reader.ReadInt(section, path, "consecutiveFailures") ?? HealthSettings.Default.ConsecutiveFailures,
            reader.ReadInt(section, path, "reactivationSeconds") ?? HealthSettings.Default.ReactivationSeconds,
            active);
    }

    private static CircuitBreakerConfig? ReadBreaker(ConfigReader reader, IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return null;
        }

        reader.CheckObject(section, path, BreakerKeys);
        double ratio = 0.5;
        if (section["failureRatio"] is { } text && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out ratio))
        {
            reader.Error(ConfigReader.Join(path, "failureRatio"), $"expected a number, got '{text}'");
        }

        return new CircuitBreakerConfig(
            ratio,
            reader.ReadInt(section, path, "minimumRequests") ?? 20,
            reader.ReadInt(section, path, "windowSeconds") ?? 10,
            reader.ReadInt(section, path, "openSeconds") ?? 5);
    }

    private static void ValidateCluster(ConfigChecks checks, ClusterConfig cluster, string path, HashSet<string> names)
    {
        if (cluster.Name.Length == 0)
        {
            checks.Error($"{path}.name", "a cluster needs a name");
        }
        else if (!names.Add(cluster.Name))
        {
            checks.Error($"{path}.name", $"cluster '{cluster.Name}' is defined twice");
        }

        if (!TryParseLoadBalancing(cluster.LoadBalancing, out _))
        {
            checks.Error($"{path}.loadBalancing", $"'{cluster.LoadBalancing}' is not RoundRobin or PowerOfTwoChoices");
        }

        if (cluster.Destinations.IsEmpty)
        {
            checks.Error($"{path}.destinations", "at least one destination (host:port) is required");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool anyTls = false;
        for (int i = 0; i < cluster.Destinations.Length; i++)
        {
            string destination = cluster.Destinations[i];
            if (!TryParseDestination(destination, out string host, out int port, out bool tls))
            {
                checks.Error($"{path}.destinations[{i}]", $"'{destination}' is not host:port or https://host:port (IPv6 as [::1]:port; no path)");
            }
            else if (!seen.Add(new DestinationModel(host, port).Authority))
            {
                checks.Error($"{path}.destinations[{i}]", $"'{destination}' is listed twice");
            }
            else
            {
                anyTls |= tls;
            }
        }

        if (cluster.Tls is not null && !anyTls && cluster.Destinations.Length > 0)
        {
            checks.Error($"{path}.tls", "no destination is https://host:port: the tls settings would not be used");
        }

        checks.Range($"{path}.maxConnectionsPerDestination", cluster.MaxConnectionsPerDestination, 1, 65536);
        checks.Range($"{path}.connectTimeoutMs", cluster.ConnectTimeoutMs, 1, 300_000);
        checks.Range($"{path}.idleTimeoutSeconds", cluster.IdleTimeoutSeconds, 1, 3600);
        checks.Range($"{path}.responseTimeoutMs", cluster.ResponseTimeoutMs, 1, 3_600_000);
        checks.Range($"{path}.responseBufferBytes", cluster.ResponseBufferBytes, 0, UpstreamPoolSettings.MaxResponseBufferBytes);
        checks.Range($"{path}.retries", cluster.Retries, 0, ClusterModel.MaxRetries);
        checks.Range($"{path}.health.consecutiveFailures", cluster.Health.ConsecutiveFailures, 1, 1000);
        checks.Range($"{path}.health.reactivationSeconds", cluster.Health.ReactivationSeconds, 1, 3600);
        if (cluster.Health.Active is { } active)
        {
            if (!active.Path.StartsWith('/') || !ConfigChecks.IsPathSafe(active.Path))
            {
                checks.Error($"{path}.health.active.path", $"'{active.Path}' is not a path such as /health");
            }

            checks.Range($"{path}.health.active.intervalSeconds", active.IntervalSeconds, 1, 3600);
            checks.Range($"{path}.health.active.timeoutMs", active.TimeoutMs, 1, 60_000);
            checks.Range($"{path}.health.active.healthyThreshold", active.HealthyThreshold, 1, 100);
            checks.Range($"{path}.health.active.unhealthyThreshold", active.UnhealthyThreshold, 1, 100);
        }

        if (cluster.CircuitBreaker is { } breaker)
        {
            if (!(breaker.FailureRatio > 0 && breaker.FailureRatio <= 1))
            {
                checks.Error($"{path}.circuitBreaker.failureRatio", "must be in (0, 1]");
            }

            checks.Range($"{path}.circuitBreaker.minimumRequests", breaker.MinimumRequests, 1, 1_000_000);
            checks.Range($"{path}.circuitBreaker.windowSeconds", breaker.WindowSeconds, 1, 3600);
            checks.Range($"{path}.circuitBreaker.openSeconds", breaker.OpenSeconds, 1, 3600);
        }
    }

    private static ClusterModel CompileCluster(ClusterConfig cluster, int index, UpstreamTlsSettings? tls)
    {
        var destinations = ImmutableArray.CreateBuilder<DestinationModel>(cluster.Destinations.Length);
        bool anyTls = false;
        foreach (string destination in cluster.Destinations)
        {
            TryParseDestination(destination, out string host, out int port, out bool useTls);
            destinations.Add(new DestinationModel(host, port, useTls));
            anyTls |= useTls;
        }

        TryParseLoadBalancing(cluster.LoadBalancing, out var policy);
        var health = cluster.Health;
        var active = health.Active;
        var breaker = cluster.CircuitBreaker;
        return new ClusterModel
        {
            Name = cluster.Name,
            Index = index,
            LoadBalancing = policy,
            Destinations = destinations.MoveToImmutable(),
            Health = new HealthSettings(
                health.ConsecutiveFailures,
                health.ReactivationSeconds,
                active is null ? null : new ActiveHealthSettings(active.Path, active.IntervalSeconds, active.TimeoutMs, active.HealthyThreshold, active.UnhealthyThreshold)),
            CircuitBreaker = breaker is null ? null : new CircuitBreakerSettings(breaker.FailureRatio, breaker.MinimumRequests, breaker.WindowSeconds, breaker.OpenSeconds),
            Pool = new UpstreamPoolSettings
            {
                MaxConnectionsPerDestination = cluster.MaxConnectionsPerDestination,
                ConnectTimeout = TimeSpan.FromMilliseconds(cluster.ConnectTimeoutMs),
                IdleTimeout = TimeSpan.FromSeconds(cluster.IdleTimeoutSeconds),
                ResponseTimeout = TimeSpan.FromMilliseconds(cluster.ResponseTimeoutMs),
                ResponseBufferBytes = cluster.ResponseBufferBytes,
            },
            Retries = cluster.Retries,
            // An https:// destination without a tls object verifies against the system store.
            Tls = anyTls ? tls ?? DefaultTls : null,
        };
    }

    private static readonly UpstreamTlsSettings DefaultTls = new() { Fingerprint = "system" };

    internal static bool TryParseDestination(string text, out string host, out int port) => TryParseDestination(text, out host, out port, out _);

    /// <summary>
    /// <c>host:port</c>, <c>http://host[:port]</c> or <c>https://host[:port]</c> (<paramref name="tls"/>; the port
    /// defaults to the scheme's).
    /// </summary>
    internal static bool TryParseDestination(string text, out string host, out int port, out bool tls)
    {
        host = "";
        port = 0;
        tls = false;
        int defaultPort = 0;
        if (text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            tls = true;
            defaultPort = 443;
            text = text["https://".Length..];
        }
        else if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            defaultPort = 80;
            text = text["http://".Length..];
        }

        int colon = text.LastIndexOf(':');
        if (defaultPort != 0 && (colon < 0 || (text.StartsWith('[') && text.EndsWith(']'))))
        {
            // A scheme without a port: the scheme's port.
            text = $"{text}:{defaultPort}";
            colon = text.LastIndexOf(':');
        }

        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
            return IPAddress.TryParse(host, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        return host.Length <= 253 && !host.AsSpan().ContainsAnyExcept(ConfigChecks.HostNameChars) && !host.StartsWith('.') && !host.StartsWith('-');
    }

    internal static bool TryParseLoadBalancing(string text, out LoadBalancingPolicy policy)
    {
        policy = LoadBalancingPolicy.RoundRobin;
        if (string.Equals(text, "RoundRobin", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(text, "PowerOfTwoChoices", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "LeastRequests", StringComparison.OrdinalIgnoreCase))
        {
            policy = LoadBalancingPolicy.PowerOfTwoChoices;
            return true;
        }

        return false;
    }
}
