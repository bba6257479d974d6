using System.Security.Authentication;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Tls;

/// <summary>
/// <c>server.tls</c>: the HTTPS listeners' certificates (PEM files, loaded and checked at validation, so
/// <c>edgegw validate</c> reports a missing file or a key that does not match) and handshake policy, compiled
/// into <see cref="TlsSettings"/>. Read by <see cref="Configuration.ServerSection"/>, which owns <c>server</c>.
/// </summary>
internal sealed class TlsSection
{
    public const string DefaultMinVersion = "1.2";
    public const string DefaultUnknownSni = "default";

    private const string Path = "server.tls";
    private static readonly string[] Keys = ["certificates", "minVersion", "unknownSni", "handshakeTimeoutSeconds", "releaseBuffers", "ticketKeyRotationSeconds"];
    private static readonly string[] CertificateKeys = ["certFile", "keyFile", "default"];

    private CertificateStore? _store;
    private readonly List<(string Path, string Message)> _loadErrors = [];

    /// <summary>Null when <c>server.tls</c> is absent.</summary>
    public TlsConfig? Config { get; private set; }

    public void Read(IConfigurationSection section, ConfigReader reader)
    {
        Config = null;
        _store = null;
        _loadErrors.Clear();
        if (!section.Exists())
        {
            return;
        }

        reader.CheckObject(section, Path, Keys);
        var certificates = reader.ReadArray(section.GetSection("certificates"), $"{Path}.certificates", (child, path) =>
        {
            reader.CheckObject(child, path, CertificateKeys);
            return new CertificateConfig(child["certFile"], child["keyFile"], reader.ReadBool(child, path, "default") ?? false);
        });
        Config = new TlsConfig(
            certificates,
            section["minVersion"] ?? DefaultMinVersion,
            section["unknownSni"] ?? DefaultUnknownSni,
            reader.ReadInt(section, Path, "handshakeTimeoutSeconds") ?? TlsSettings.DefaultHandshakeTimeoutSeconds,
            reader.ReadBool(section, Path, "releaseBuffers") ?? true,
            reader.ReadInt(section, Path, "ticketKeyRotationSeconds") ?? TlsSettings.DefaultTicketKeyRotationSeconds);
    }

    /// <param name="httpsListeners">The JSON paths of the <c>https://</c> listen URLs.</param>
    /// <param name="domainCertificates">The custom domains' certificates, served after these (they keep any shared name).</param>
    public void Validate(ConfigChecks checks, IReadOnlyList<string> httpsListeners, IReadOnlyList<CertificateSource>? domainCertificates = null)
    {
        domainCertificates ??= [];
        if (Config is null && domainCertificates.Count > 0 && httpsListeners.Count > 0)
        {
            // Only domain certificates: server.tls's defaults for the handshake policy.
            Config = new TlsConfig([], DefaultMinVersion, DefaultUnknownSni, TlsSettings.DefaultHandshakeTimeoutSeconds);
        }

        if (Config is not { } tls)
        {
            foreach (var listener in httpsListeners)
            {
                checks.Error(listener, "an https listener needs a certificate: server.tls.certificates, or a domain with a certificate");
            }

            return;
        }

        if (tls.MinVersion is not ("1.2" or "1.3"))
        {
            checks.Error($"{Path}.minVersion", $"'{tls.MinVersion}' is not 1.2 or 1.3");
        }

        if (tls.UnknownSni is not ("default" or "reject"))
        {
            checks.Error($"{Path}.unknownSni", $"'{tls.UnknownSni}' is not default or reject");
        }

        checks.Range($"{Path}.handshakeTimeoutSeconds", tls.HandshakeTimeoutSeconds, 1, 300);
        checks.Range($"{Path}.ticketKeyRotationSeconds", tls.TicketKeyRotationSeconds, 0, 604800);
        if (tls.Certificates.IsEmpty && domainCertificates.Count == 0)
        {
            checks.Error($"{Path}.certificates", "at least one certificate is required");
            return;
        }

        var sources = new List<CertificateSource>();
        int defaults = 0;
        for (int i = 0; i < tls.Certificates.Length; i++)
        {
            var entry = tls.Certificates[i];
            string path = $"{Path}.certificates[{i}]";
            if (string.IsNullOrEmpty(entry.CertFile))
            {
                checks.Error($"{path}.certFile", "the PEM file holding the certificate (and its chain) is required");
            }

            if (string.IsNullOrEmpty(entry.KeyFile))
            {
                checks.Error($"{path}.keyFile", "the PEM file holding the certificate's private key is required");
            }

            if (entry.Default)
            {
                defaults++;
                if (defaults == 2)
                {
                    checks.Error($"{path}.default", "only one certificate can be the default");
                }
            }

            if (!string.IsNullOrEmpty(entry.CertFile) && !string.IsNullOrEmpty(entry.KeyFile))
            {
                sources.Add(new CertificateSource(entry.CertFile, entry.KeyFile, entry.Default, path));
            }
        }

        if (defaults == 0 && tls.Certificates.Length > 1 && tls.UnknownSni != "reject")
        {
            checks.Error($"{Path}.certificates", "mark one certificate \"default\": true (served without SNI or for an unknown name), or set server.tls.unknownSni to reject");
        }

        sources.AddRange(domainCertificates);
        _store = CertificateStore.Build(sources, _loadErrors);
        foreach (var (path, message) in _loadErrors)
        {
            checks.Error(path, message);
        }

        DateTime now = DateTime.UtcNow;
        for (int i = 0; i < _store.Pairs.Length; i++)
        {
            var pair = _store.Pairs[i];
            string path = _store.Sources[i].JsonPath;
            if (pair.NotAfter < now)
            {
                checks.Warning(path, $"the certificate in '{pair.CertFile}' expired on {pair.NotAfter:yyyy-MM-dd HH:mm:ss} UTC; clients will refuse it");
            }
            else if (pair.Leaf.NotBefore.ToUniversalTime() > now)
            {
                checks.Warning(path, $"the certificate in '{pair.CertFile}' is not valid before {pair.Leaf.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC");
            }

            if (pair.Names.IsEmpty)
            {
                checks.Warning(path, $"the certificate in '{pair.CertFile}' names no DNS host (no subject alternative name); it is only served as the default");
            }
        }
    }

    /// <summary>Null when <c>server.tls</c> is absent.</summary>
    /// <param name="mutualTls">The custom domains' client-certificate policies; null when none has one.</param>
    public TlsSettings? Compile(MutualTlsPolicies? mutualTls = null)
    {
        if (Config is not { } tls || _store is null)
        {
            return null;
        }

        return new TlsSettings
        {
            Certificates = _store,
            Protocols = tls.MinVersion == "1.3" ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13,
            RejectUnknownSni = tls.UnknownSni == "reject",
            HandshakeTimeout = TimeSpan.FromSeconds(tls.HandshakeTimeoutSeconds),
            ReleaseBuffers = tls.ReleaseBuffers,
            TicketKeyRotation = TimeSpan.FromSeconds(tls.TicketKeyRotationSeconds),
            MutualTls = mutualTls,
        };
    }
}
