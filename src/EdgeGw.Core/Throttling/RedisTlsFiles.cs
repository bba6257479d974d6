using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeGw.Core.Infrastructure;
using StackExchange.Redis;

namespace EdgeGw.Core.Throttling;

/// <summary>
/// TLS to Redis: <c>ssl=true</c> in <c>redis.configuration</c> turns it on (as StackExchange.Redis reads it);
/// <c>redis.caFile</c> trusts a private CA and <c>redis.certFile</c>/<c>keyFile</c> give the gateway a client
/// certificate. Validation reads each file once so a bad one is reported with its key, not at the first connect.
/// </summary>
internal static class RedisTlsFiles
{
    public static void Validate(ConfigChecks checks, RedisConfig redis)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(redis.Configuration);
        }
        catch (ArgumentException ex)
        {
            checks.Error("redis.configuration", $"not a StackExchange.Redis configuration string: {ex.Message}");
            return;
        }

        bool any = redis.CaFile is not null || redis.CertFile is not null || redis.KeyFile is not null;
        if (any && !options.Ssl)
        {
            checks.Error(redis.CaFile is not null ? "redis.caFile" : redis.CertFile is not null ? "redis.certFile" : "redis.keyFile",
                "TLS files need ssl=true in redis.configuration");
        }

        if (redis.CaFile is { } ca)
        {
            try
            {
                var certificates = new X509Certificate2Collection();
                certificates.ImportFromPemFile(ca);
                int count = certificates.Count;
                foreach (var certificate in certificates)
                {
                    certificate.Dispose();
                }

                if (count == 0)
                {
                    checks.Error("redis.caFile", $"'{ca}' holds no PEM certificate");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                checks.Error("redis.caFile", $"cannot read a PEM certificate from '{ca}': {ex.Message}");
            }
        }

        if ((redis.CertFile is null) != (redis.KeyFile is null))
        {
            checks.Error(redis.CertFile is null ? "redis.certFile" : "redis.keyFile", "certFile and keyFile go together");
        }
        else if (redis.CertFile is { } cert)
        {
            try
            {
                X509Certificate2.CreateFromPemFile(cert, redis.KeyFile).Dispose();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                checks.Error("redis.certFile", $"cannot read a PEM certificate and key from '{cert}' and '{redis.KeyFile}': {ex.Message}");
            }
        }
    }

    /// <summary>Applies the files to the options the multiplexer connects with.</summary>
    public static void Apply(ConfigurationOptions options, RedisSettings settings)
    {
        if (settings.CaFile is { } ca)
        {
            options.TrustIssuer(ca);
        }

        if (settings.CertFile is { } cert && settings.KeyFile is { } key)
        {
            options.SetUserPemCertificate(cert, key);
        }
    }
}
