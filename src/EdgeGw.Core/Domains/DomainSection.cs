using System.Collections.Immutable;
using EdgeGw.Core.Apis;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Domains;

/// <summary>A custom domain name as written.</summary>
internal sealed record DomainConfig(string Name, CertificateFilesConfig? Certificate, ImmutableArray<ApiMappingConfig> Mappings, MutualTlsConfig? MutualTls = null);

/// <summary>A domain's <c>mutualTls</c> as written.</summary>
internal sealed record MutualTlsConfig(string? TruststoreFile, string Mode, string HeaderPrefix, bool ForwardCertificate);

internal sealed record CertificateFilesConfig(string? CertFile, string? KeyFile);

/// <summary>An API mapping as written; <c>path</c> "" or <c>(none)</c> is the catch-all.</summary>
internal sealed record ApiMappingConfig(string Path, string Api, string Stage);

/// <summary>
/// <c>domains</c>: custom domain names with API mappings (AWS's model). A request whose Host is a domain's name
/// goes by the longest base path that matches whole segments to the mapped API stage, the base path removed;
/// no match is a 404. Checks names, base paths, the mapped API stages and the certificate files; compiles into
/// the route table (<see cref="RouteTableBuilder{TRoute}.AddDomain"/>) and <see cref="DomainModel"/>s.
/// </summary>
internal sealed class DomainSection : IConfigSection
{
    /// <summary>The longest base path (AWS bounds its API mapping keys too).</summary>
    public const int MaxBasePathLength = 512;
    public const string NoneBasePath = "(none)";

    private const string Key = "domains";
    private static readonly string[] DomainKeys = ["name", "certificate", "mappings", "mutualTls"];
    private static readonly string[] MutualTlsKeys = ["truststoreFile", "mode", "headerPrefix", "forwardCertificate"];
    /// <summary>Longest <c>mutualTls.headerPrefix</c> (the longest header made from it adds "-Not-After").</summary>
    public const int MaxHeaderPrefixLength = 64;
    private static readonly string[] CertificateKeys = ["certFile", "keyFile"];
    private static readonly string[] MappingKeys = ["path", "api", "stage"];

    /// <summary>Characters of a base path segment: RFC 3986 unreserved.</summary>
    private static readonly System.Buffers.SearchValues<char> SegmentChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");

    private readonly ApiSection _apis;

    public DomainSection(ApiSection apis) => _apis = apis;

    public ImmutableArray<DomainConfig> Config { get; private set; } = [];

    /// <summary>The truststores loaded by <see cref="Validate"/>, by domain index.</summary>
    private readonly Dictionary<int, System.Security.Cryptography.X509Certificates.X509Certificate2Collection> _truststores = [];

    /// <summary>
    /// The domains' mutual TLS policies for the https listeners (by SNI), from the config as validated; null when no
    /// domain has <c>mutualTls</c>. Handed to <see cref="Configuration.ServerSection"/> as the certificate sources are.
    /// </summary>
    public Tls.MutualTlsPolicies? MutualTlsPolicies()
    {
        var policies = ImmutableArray.CreateBuilder<Tls.MutualTlsPolicy>();
        for (int i = 0; i < Config.Length; i++)
        {
            if (Config[i].MutualTls is { TruststoreFile: { } file } mtls && _truststores.TryGetValue(i, out var truststore))
            {
                policies.Add(new Tls.MutualTlsPolicy(Config[i].Name.ToLowerInvariant(), mtls.Mode == "optional" ? Tls.MutualTlsMode.Optional : Tls.MutualTlsMode.Require,
                    truststore, file, mtls.HeaderPrefix, mtls.ForwardCertificate));
            }
        }

        return policies.Count == 0 ? null : new Tls.MutualTlsPolicies(policies.ToImmutable());
    }

    /// <summary>
    /// The domains' certificate files as sources for the https listeners' certificate store (after
    /// <c>server.tls</c>'s own, which keep any name they share), from the config as read.
    /// </summary>
    public IReadOnlyList<Tls.CertificateSource> CertificateSources()
    {
        var sources = new List<Tls.CertificateSource>();
        for (int i = 0; i < Config.Length; i++)
        {
            // A missing file is this section's error (Validate); the store loads only what exists.
            if (Config[i].Certificate is { CertFile: { Length: > 0 } certFile, KeyFile: { Length: > 0 } keyFile } && File.Exists(certFile) && File.Exists(keyFile))
            {
                sources.Add(new Tls.CertificateSource(certFile, keyFile, IsDefault: false, $"{Key}[{i}].certificate"));
            }
        }

        return sources;
    }

    public void Read(IConfiguration root, ConfigReader reader) =>
        Config = reader.ReadArray(root.GetSection(Key), Key, (section, path) => ReadDomain(reader, section, path));

    private static DomainConfig ReadDomain(ConfigReader reader, IConfigurationSection section, string path)
    {
        reader.CheckObject(section, path, DomainKeys);
        CertificateFilesConfig? certificate = null;
        var certSection = section.GetSection("certificate");
        if (certSection.Exists())
        {
            reader.CheckObject(certSection, ConfigReader.Join(path, "certificate"), CertificateKeys);
            certificate = new CertificateFilesConfig(certSection["certFile"], certSection["keyFile"]);
        }

        MutualTlsConfig? mutualTls = null;
        var mtlsSection = section.GetSection("mutualTls");
        if (mtlsSection.Exists())
        {
            string mtlsPath = ConfigReader.Join(path, "mutualTls");
            reader.CheckObject(mtlsSection, mtlsPath, MutualTlsKeys);
            mutualTls = new MutualTlsConfig(mtlsSection["truststoreFile"], mtlsSection["mode"] ?? "require",
                mtlsSection["headerPrefix"] ?? Tls.MutualTlsPolicy.DefaultHeaderPrefix, reader.ReadBool(mtlsSection, mtlsPath, "forwardCertificate") ?? true);
        }

        return new DomainConfig(
            section["name"] ?? "",
            certificate,
            reader.ReadArray(section.GetSection("mappings"), ConfigReader.Join(path, "mappings"), (m, p) =>
            {
                reader.CheckObject(m, p, MappingKeys);
                return new ApiMappingConfig(m["path"] ?? "", m["api"] ?? "", m["stage"] ?? "");
            }),
            mutualTls);
    }

    public void Validate(ConfigChecks checks)
    {
        var apiStages = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var boundHosts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var api in _apis.Config)
        {
            var stages = apiStages.TryGetValue(api.Name, out var known) ? known : apiStages[api.Name] = new HashSet<string>(StringComparer.Ordinal);
            foreach (var stage in api.Stages)
            {
                stages.Add(stage.Name);
            }

            foreach (string host in api.Hosts)
            {
                boundHosts.TryAdd(host, api.Name);
            }
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        _truststores.Clear();
        for (int i = 0; i < Config.Length; i++)
        {
            ValidateDomain(checks, Config[i], $"domains[{i}]", names, apiStages, boundHosts);
            if (Config[i].MutualTls is { } mtls)
            {
                ValidateMutualTls(checks, mtls, i, $"domains[{i}].mutualTls");
            }
        }
    }

    private void ValidateMutualTls(ConfigChecks checks, MutualTlsConfig mtls, int index, string path)
    {
        if (mtls.Mode is not ("require" or "optional"))
        {
            checks.Error($"{path}.mode", $"'{mtls.Mode}' is not require or optional");
        }

        string prefix = mtls.HeaderPrefix;
        if (prefix.Length is 0 or > MaxHeaderPrefixLength || prefix.AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars))
        {
            checks.Error($"{path}.headerPrefix", $"'{prefix}' is not a header name of 1 to {MaxHeaderPrefixLength} token characters");
        }
        else if (prefix.StartsWith("X-Forwarded", StringComparison.OrdinalIgnoreCase) || ConfigChecks.IsGatewayOwnedHeader(prefix)
            || prefix.Equals("host", StringComparison.OrdinalIgnoreCase) || prefix.Equals("x-request-id", StringComparison.OrdinalIgnoreCase))
        {
            checks.Error($"{path}.headerPrefix", $"'{prefix}' would name headers the gateway owns");
        }

        CheckFile(checks, $"{path}.truststoreFile", mtls.TruststoreFile, "a PEM file of the CA certificates client chains must end in");
        if (string.IsNullOrEmpty(mtls.TruststoreFile) || !File.Exists(mtls.TruststoreFile))
        {
            return;
        }

        var warnings = new List<string>();
        var truststore = Tls.MutualTlsPolicy.LoadTruststore(mtls.TruststoreFile, out string? error, warnings);
        if (truststore is null)
        {
            checks.Error($"{path}.truststoreFile", error!);
            return;
        }

        foreach (string warning in warnings)
        {
            checks.Warning($"{path}.truststoreFile", warning);
        }

        _truststores[index] = truststore;
    }

    private static void ValidateDomain(ConfigChecks checks, DomainConfig domain, string path, HashSet<string> names,
        Dictionary<string, HashSet<string>> apiStages, Dictionary<string, string> boundHosts)
    {
        if (!IsDomainName(domain.Name))
        {
            checks.Error($"{path}.name", $"'{domain.Name}' is not a domain name such as api.example.com or *.example.com (no scheme, port or path)");
        }
        else if (!names.Add(domain.Name))
        {
            checks.Error($"{path}.name", $"domain '{domain.Name}' is defined twice");
        }
        else if (ClaimedHost(domain.Name, boundHosts) is { } claimed)
        {
            checks.Error($"{path}.name", $"'{claimed.Host}' is also a host binding of API '{claimed.Api}': a domain routes only by its mappings (map the API instead)");
        }

        if (domain.Certificate is { } certificate)
        {
            CheckFile(checks, $"{path}.certificate.certFile", certificate.CertFile, "the domain's PEM certificate (chain)");
            CheckFile(checks, $"{path}.certificate.keyFile", certificate.KeyFile, "the domain's PEM private key");
        }

        var paths = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int j = 0; j < domain.Mappings.Length; j++)
        {
            var mapping = domain.Mappings[j];
            string mappingPath = $"{path}.mappings[{j}]";
            string basePath = Normalize(mapping.Path);
            if (!IsBasePath(basePath, out string why))
            {
                checks.Error($"{mappingPath}.path", $"'{mapping.Path}' is not a base path: {why}");
            }
            else if (!paths.TryAdd(basePath, j))
            {
                checks.Error($"{mappingPath}.path", $"base path '{mapping.Path}' is already mapped by mappings[{paths[basePath]}]");
            }

            if (mapping.Api.Length == 0)
            {
                checks.Error($"{mappingPath}.api", "a mapping needs the name of an API");
            }
            else if (!apiStages.TryGetValue(mapping.Api, out var stages))
            {
                checks.Error($"{mappingPath}.api", $"no API is named '{mapping.Api}'");
            }
            else if (!stages.Contains(mapping.Stage))
            {
                checks.Error($"{mappingPath}.stage", mapping.Stage.Length == 0
                    ? $"a mapping needs one of API '{mapping.Api}''s stages"
                    : $"API '{mapping.Api}' has no stage '{mapping.Stage}'");
            }
        }
    }

    /// <summary>A host binding of an API that <paramref name="name"/> (exact, or a wildcard one label deep) would take over.</summary>
    private static (string Host, string Api)? ClaimedHost(string name, Dictionary<string, string> boundHosts)
    {
        if (boundHosts.TryGetValue(name, out string? api))
        {
            return (name, api);
        }

        if (name.StartsWith("*.", StringComparison.Ordinal))
        {
            foreach (var (host, owner) in boundHosts)
            {
                int dot = host.IndexOf('.');
                if (dot > 0 && string.Equals(host[(dot + 1)..], name[2..], StringComparison.OrdinalIgnoreCase))
                {
                    return (host, owner);
                }
            }
        }

        return null;
    }

    /// <summary>The compiled domains, in order.</summary>
    public ImmutableArray<DomainModel> Compile()
    {
        var domains = ImmutableArray.CreateBuilder<DomainModel>(Config.Length);
        foreach (var domain in Config)
        {
            var mappings = ImmutableArray.CreateBuilder<ApiMappingModel>(domain.Mappings.Length);
            foreach (var mapping in domain.Mappings)
            {
                mappings.Add(new ApiMappingModel(Normalize(mapping.Path), mapping.Api, mapping.Stage));
            }

            domains.Add(new DomainModel(domain.Name.ToLowerInvariant(), domain.Certificate?.CertFile, domain.Certificate?.KeyFile, mappings.MoveToImmutable()));
        }

        return domains.MoveToImmutable();
    }

    private static string Normalize(string basePath) => basePath == NoneBasePath ? "" : basePath;

    internal static bool IsDomainName(string name)
    {
        string host = name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name;
        if (host.Length is 0 or > 253 || name.Length > 253 || host.AsSpan().ContainsAnyExcept(ConfigChecks.HostNameChars))
        {
            return false;
        }

        foreach (var label in host.Split('.'))
        {
            if (label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A base path: "" (the catch-all), or up to <see cref="DomainRoutes{TRoute}.MaxSegments"/> segments of
    /// unreserved characters joined by single '/', none "." or "..", no slash at either end.
    /// </summary>
    internal static bool IsBasePath(string basePath, out string why)
    {
        why = "";
        if (basePath.Length == 0)
        {
            return true;
        }

        if (basePath.Length > MaxBasePathLength)
        {
            why = $"at most {MaxBasePathLength} characters";
            return false;
        }

        if (basePath.StartsWith('/') || basePath.EndsWith('/'))
        {
            why = "no '/' at the start or the end (write v2/orders, not /v2/orders)";
            return false;
        }

        string[] segments = basePath.Split('/');
        if (segments.Length > DomainRoutes<object>.MaxSegments)
        {
            why = $"at most {DomainRoutes<object>.MaxSegments} segments";
            return false;
        }

        foreach (string segment in segments)
        {
            if (segment.Length == 0)
            {
                why = "no empty segment ('//')";
                return false;
            }

            if (segment is "." or ".." || segment.AsSpan().ContainsAnyExcept(SegmentChars))
            {
                why = "segments of letters, digits, '-', '.', '_' and '~' only (not \".\" or \"..\")";
                return false;
            }
        }

        return true;
    }

    private static void CheckFile(ConfigChecks checks, string path, string? file, string what)
    {
        if (string.IsNullOrEmpty(file))
        {
            checks.Error(path, $"expected the path of {what}");
        }
        else if (!File.Exists(file))
        {
            checks.Error(path, $"'{file}' does not exist ({what})");
        }
        else
        {
            try
            {
                using var stream = File.OpenRead(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                checks.Error(path, $"cannot read '{file}': {ex.Message}");
            }
        }
    }
}
