using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Upstream;

/// <summary>A cluster's <c>tls</c> object as written.</summary>
internal sealed record ClusterTlsConfig(string? CaFile, string? ServerName, string? CertFile, string? KeyFile, bool InsecureSkipVerify);

/// <summary>
/// <c>clusters[].tls</c>: reading, checking (the files are read then, so a bad file is an error with its path)
/// and compiling into <see cref="UpstreamTlsSettings"/>.
/// </summary>
internal static class ClusterTls
{
    private static readonly string[] Keys = ["caFile", "serverName", "certFile", "keyFile", "insecureSkipVerify"];

    /// <summary>The largest PEM file read (a CA bundle of a few hundred certificates fits).</summary>
    private const long MaxFileBytes = 1024 * 1024;

    public static ClusterTlsConfig? Read(ConfigReader reader, IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return null;
        }

        reader.CheckObject(section, path, Keys);
        return new ClusterTlsConfig(
            section["caFile"],
            section["serverName"],
            section["certFile"],
            section["keyFile"],
            reader.ReadBool(section, path, "insecureSkipVerify") ?? false);
    }

    /// <summary>Checks <paramref name="tls"/> and loads its files; null when anything is wrong (every problem reported).</summary>
    public static UpstreamTlsSettings? Load(ConfigChecks checks, ClusterTlsConfig tls, string path)
    {
        bool ok = true;
        var fingerprint = new System.Text.StringBuilder();
        fingerprint.Append(tls.ServerName).Append('|').Append(tls.InsecureSkipVerify).Append('|');

        if (tls.ServerName is { } serverName
            && (serverName.Length is 0 or > 253 || serverName.AsSpan().ContainsAnyExcept(ConfigChecks.HostNameChars) || serverName.StartsWith('.') || serverName.StartsWith('-')))
        {
            checks.Error($"{path}.serverName", $"'{serverName}' is not a host name (the name sent as SNI and checked in the backend's certificate)");
            ok = false;
        }

        X509Certificate2Collection? roots = null;
        if (tls.CaFile is { } caFile)
        {
            if (tls.InsecureSkipVerify)
            {
                checks.Error($"{path}.caFile", "insecureSkipVerify accepts any certificate: a CA file would not be used");
                ok = false;
            }

            if (TryReadFile(checks, $"{path}.caFile", caFile, "a PEM file of CA certificates", fingerprint) is { } pem)
            {
                roots = new X509Certificate2Collection();
                bool parsed = true;
                try
                {
                    roots.ImportFromPem(pem);
                }
                catch (CryptographicException ex)
                {
                    checks.Error($"{path}.caFile", $"'{caFile}' is not a PEM certificate bundle: {ex.Message}");
                    ok = parsed = false;
                }

                if (parsed && roots.Count == 0)
                {
                    checks.Error($"{path}.caFile", $"'{caFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
                    ok = false;
                }
            }
            else
            {
                ok = false;
            }
        }

        System.Net.Security.SslStreamCertificateContext? client = null;
        if (tls.CertFile is not null || tls.KeyFile is not null)
        {
            if (tls.CertFile is null || tls.KeyFile is null)
            {
                checks.Error($"{path}.{(tls.CertFile is null ? "certFile" : "keyFile")}", "a client certificate needs both certFile and keyFile (PEM)");
                ok = false;
            }
            else
            {
                string? certPem = TryReadFile(checks, $"{path}.certFile", tls.CertFile, "a PEM certificate (chain)", fingerprint);
                string? keyPem = TryReadFile(checks, $"{path}.keyFile", tls.KeyFile, "a PEM private key", fingerprint);
                if (certPem is null || keyPem is null)
                {
                    ok = false;
                }
                else
                {
                    client = LoadClientCertificate(checks, path, tls, certPem, keyPem);
                    ok &= client is not null;
                }
            }
        }

        return ok
            ? new UpstreamTlsSettings
            {
                ServerName = tls.ServerName,
                TrustedRoots = roots,
                ClientCertificate = client,
                InsecureSkipVerify = tls.InsecureSkipVerify,
                Fingerprint = fingerprint.ToString(),
            }
            : null;
    }

    private static System.Net.Security.SslStreamCertificateContext? LoadClientCertificate(
        ConfigChecks checks, string path, ClusterTlsConfig tls, string certPem, string keyPem)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            checks.Error($"{path}.keyFile", $"'{tls.CertFile}' and '{tls.KeyFile}' are not a PEM certificate and its private key: {ex.Message}");
            return null;
        }

        // The rest of the cert file is the chain sent with the certificate.
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(certPem);
        var intermediates = new X509Certificate2Collection();
        foreach (var extra in chain)
        {
            if (!extra.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
            {
                intermediates.Add(extra);
            }
        }

        return System.Net.Security.SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
    }

    private static string? TryReadFile(ConfigChecks checks, string path, string file, string what, System.Text.StringBuilder fingerprint)
    {
        if (file.Length == 0)
        {
            checks.Error(path, $"expected the path of {what}");
            return null;
        }

        try
        {
            var info = new FileInfo(file);
            if (!info.Exists)
            {
                checks.Error(path, $"'{file}' does not exist ({what})");
                return null;
            }

            if (info.Length > MaxFileBytes)
            {
                checks.Error(path, $"'{file}' is {info.Length} bytes; at most {MaxFileBytes} are read");
                return null;
            }

            byte[] bytes = File.ReadAllBytes(file);
            fingerprint.Append(file).Append('=').Append(Convert.ToHexString(SHA256.HashData(bytes))).Append('|');
            return System.Text.Encoding.UTF8.GetString(bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            checks.Error(path, $"cannot read '{file}': {ex.Message}");
            return null;
        }
    }
}
