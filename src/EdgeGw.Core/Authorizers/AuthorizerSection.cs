using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Authorizers;

/// <summary>An authorizer's <c>jwt</c> object as written (AWS HTTP API's <c>JwtConfiguration</c>, plus the JWKS location and clock skew).</summary>
internal sealed record JwtAuthorizerConfig(string? Issuer, ImmutableArray<string> Audience, string? JwksUri, int? ClockSkewSeconds, string? SecretFile = null);

/// <summary>
/// A request authorizer's <c>integration</c>: the cluster and path the gateway POSTs the authorizer event to, or
/// (<c>"type": "lambda"</c>) the Lambda function it invokes with it, with a lambda route integration's keys.
/// </summary>
internal sealed record AuthorizerIntegrationConfig(string? Cluster, string? Uri, int? TimeoutMs, string? Type = null, Lambda.LambdaIntegrationConfig? Lambda = null)
{
    /// <summary>The lambda keys written on an integration that is not <c>"type": "lambda"</c> (errors).</summary>
    public ImmutableArray<string> StrayLambdaKeys { get; init; } = [];
}

/// <summary>An authorizer's <c>forwardHeaders</c>: the header prefix of the caller's identity toward the backend, and the JWT claims forwarded.</summary>
internal sealed record AuthorizerForwardConfig(string? Prefix, ImmutableArray<string>? Claims);

/// <summary>One <c>apis[].authorizers[]</c> entry as written.</summary>
internal sealed record AuthorizerConfig(
    string Name,
    string Type,
    ImmutableArray<string> IdentitySource,
    JwtAuthorizerConfig? Jwt,
    AuthorizerIntegrationConfig? Integration,
    string? PayloadFormatVersion,
    bool? EnableSimpleResponses,
    int? ResultTtlSeconds,
    AuthorizerForwardConfig? ForwardHeaders);

/// <summary>
/// <c>apis[].authorizers</c> and the routes' <c>authorizer</c> / <c>authorizationScopes</c>: read and validated for
/// the API section, compiled into one <see cref="Authorizer"/> per API and name (its JWKS, verified-token and result
/// caches kept across reloads by <see cref="AuthorizerRegistry"/> while its configuration is unchanged) and a
/// <see cref="RouteAuthorizer"/> per route. Names, defaults and limits as AWS HTTP APIs.
/// </summary>
internal static partial class AuthorizerSection
{
    public const string JwtType = "jwt";
    public const string RequestType = "request";
    public const int MaxResultTtlSeconds = 3600;
    public const int DefaultResultTtlSeconds = 300;
    public const int DefaultTimeoutMs = 10_000;
    public const int MaxTimeoutMs = 29_000;
    public const int DefaultClockSkewSeconds = 60;
    public const int MaxAuthorizers = 10;
    public const int MaxScopes = 50;
    public const string DefaultPrefix = "X-EdgeGw-Authorizer-";

    private static readonly string[] Keys = ["name", "type", "identitySource", "jwt", "integration", "payloadFormatVersion", "enableSimpleResponses", "resultTtlSeconds", "forwardHeaders"];
    private static readonly string[] JwtKeys = ["issuer", "audience", "jwksUri", "clockSkewSeconds", "secretFile"];
    private static readonly string[] IntegrationKeys = ["type", "cluster", "uri", "timeoutMs", .. Lambda.LambdaIntegrationSection.OwnKeys];
    /// <summary>AWS's limit on a Lambda authorizer's answer (HTTP API quotas: 10,000 ms, not raised).</summary>
    public const int MaxLambdaTimeoutMs = 10_000;
    private static readonly string[] ForwardKeys = ["prefix", "claims"];

    public static ImmutableArray<AuthorizerConfig> Read(ConfigReader reader, IConfigurationSection section, string path) =>
        reader.ReadArray(section, path, (s, p) => ReadOne(reader, s, p));

    /// <summary>A string or an array of strings (AWS accepts both for identitySource and audience).</summary>
    public static ImmutableArray<string> ReadStringOrArray(ConfigReader reader, IConfigurationSection section, string path) =>
        !section.Exists() || section.Value == "" ? [] : section.Value is { } single ? [single] : reader.ReadStrings(section, path);

    private static AuthorizerConfig ReadOne(ConfigReader reader, IConfigurationSection section, string path)
    {
        reader.CheckObject(section, path, Keys);
        JwtAuthorizerConfig? jwt = null;
        var jwtSection = section.GetSection("jwt");
        if (jwtSection.Exists())
        {
            string jwtPath = ConfigReader.Join(path, "jwt");
            reader.CheckObject(jwtSection, jwtPath, JwtKeys);
            jwt = new JwtAuthorizerConfig(jwtSection["issuer"], ReadStringOrArray(reader, jwtSection.GetSection("audience"), ConfigReader.Join(jwtPath, "audience")),
                jwtSection["jwksUri"], reader.ReadInt(jwtSection, jwtPath, "clockSkewSeconds"), jwtSection["secretFile"]);
        }

        AuthorizerIntegrationConfig? integration = null;
        var integrationSection = section.GetSection("integration");
        if (integrationSection.Exists())
        {
            string integrationPath = ConfigReader.Join(path, "integration");
            reader.CheckObject(integrationSection, integrationPath, IntegrationKeys);
            string? type = integrationSection["type"];
            integration = new AuthorizerIntegrationConfig(integrationSection["cluster"], integrationSection["uri"], reader.ReadInt(integrationSection, integrationPath, "timeoutMs"),
                type, type == Lambda.LambdaIntegrationSection.Type ? Lambda.LambdaIntegrationSection.Read(integrationSection) : null)
            {
                StrayLambdaKeys = type == Lambda.LambdaIntegrationSection.Type ? [] : [.. Array.FindAll(Lambda.LambdaIntegrationSection.OwnKeys, k => integrationSection[k] is not null)],
            };
        }

        AuthorizerForwardConfig? forward = null;
        var forwardSection = section.GetSection("forwardHeaders");
        if (forwardSection.Exists())
        {
            string forwardPath = ConfigReader.Join(path, "forwardHeaders");
            reader.CheckObject(forwardSection, forwardPath, ForwardKeys);
            forward = new AuthorizerForwardConfig(forwardSection["prefix"], reader.ReadOptionalStrings(forwardSection, forwardPath, "claims"));
        }

        return new AuthorizerConfig(
            section["name"] ?? "",
            section["type"]?.ToLowerInvariant() ?? "",
            ReadStringOrArray(reader, section.GetSection("identitySource"), ConfigReader.Join(path, "identitySource")),
            jwt,
            integration,
            section["payloadFormatVersion"],
            reader.ReadBool(section, path, "enableSimpleResponses"),
            reader.ReadInt(section, path, "resultTtlSeconds"),
            forward);
    }

    /// <summary>Checks the API's authorizers; returns their types by name for the routes' checks.</summary>
    public static Dictionary<string, string> Validate(ConfigChecks checks, ImmutableArray<AuthorizerConfig> authorizers, string path, Func<string, bool> clusterExists)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (authorizers.IsDefault)
        {
            return names;
        }

        if (authorizers.Length > MaxAuthorizers)
        {
            checks.Error(path, $"at most {MaxAuthorizers} authorizers per API");
        }

        for (int i = 0; i < authorizers.Length; i++)
        {
            var config = authorizers[i];
            string at = $"{path}[{i}]";
            if (config.Name.Length is 0 or > 128 || config.Name.AsSpan().ContainsAnyExcept(ConfigChecks.NameChars))
            {
                checks.Error($"{at}.name", $"'{config.Name}' is not an authorizer name (1-128 letters, digits, '-', '_')");
            }
            else if (!names.TryAdd(config.Name, config.Type))
            {
                checks.Error($"{at}.name", $"authorizer '{config.Name}' is defined twice");
            }

            for (int s = 0; s < config.IdentitySource.Length; s++)
            {
                if (!IdentitySource.TryParse(config.IdentitySource[s], out _, out string? problem))
                {
                    checks.Error($"{at}.identitySource[{s}]", problem!);
                }
            }

            ValidateForward(checks, config, at);
            if (config.Type == JwtType)
            {
                ValidateJwt(checks, config, at);
            }
            else if (config.Type == RequestType)
            {
                ValidateRequest(checks, config, at, clusterExists);
            }
            else
            {
                checks.Error($"{at}.type", $"'{config.Type}' is not \"jwt\" or \"request\" (AWS_IAM routes set authorizationType instead)");
            }
        }

        return names;
    }

    private static void ValidateForward(ConfigChecks checks, AuthorizerConfig config, string at)
    {
        if (config.ForwardHeaders is not { } forward)
        {
            return;
        }

        if (forward.Prefix is { } prefix && (prefix.Length is 0 or > 64 || prefix.AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars)))
        {
            checks.Error($"{at}.forwardHeaders.prefix", $"'{prefix}' is not a header name prefix (1-64 token characters)");
        }

        if (forward.Claims is { } claims)
        {
            if (config.Type != JwtType)
            {
                checks.Error($"{at}.forwardHeaders.claims", "only a jwt authorizer forwards claims (a request authorizer forwards its principalId and context)");
            }

            for (int c = 0; c < claims.Length; c++)
            {
                if (claims[c].Length is 0 or > 64 || claims[c].AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars))
                {
                    checks.Error($"{at}.forwardHeaders.claims[{c}]", $"'{claims[c]}' cannot be part of a header name");
                }
            }
        }
    }

    private static void ValidateJwt(ConfigChecks checks, AuthorizerConfig config, string at)
    {
        if (config.Integration is not null || config.PayloadFormatVersion is not null || config.EnableSimpleResponses is not null || config.ResultTtlSeconds is not null)
        {
            checks.Error(at, "integration, payloadFormatVersion, enableSimpleResponses and resultTtlSeconds belong to request authorizers");
        }

        if (config.IdentitySource.Length != 1)
        {
            checks.Error($"{at}.identitySource", "a jwt authorizer takes its token from one source, e.g. \"$request.header.Authorization\" (or a query parameter, for WebSocket clients)");
        }

        if (config.Jwt is not { } jwt)
        {
            checks.Error($"{at}.jwt", "a jwt authorizer needs jwt.issuer and jwt.audience");
            return;
        }

        if (string.IsNullOrEmpty(jwt.Issuer))
        {
            checks.Error($"{at}.jwt.issuer", "required: the tokens' iss (and, without jwksUri, where OIDC discovery starts)");
        }
        else if (jwt.JwksUri is null && !FetchRules.IsAllowed(jwt.Issuer, out string? problem))
        {
            checks.Error($"{at}.jwt.issuer", $"OIDC discovery from the issuer: {problem}");
        }

        if (jwt.Audience.IsEmpty)
        {
            checks.Error($"{at}.jwt.audience", "at least one audience (matched against aud, or client_id when a token has no aud)");
        }

        if (jwt.JwksUri is { } jwksUri && !FetchRules.IsAllowed(jwksUri, out string? jwksProblem))
        {
            checks.Error($"{at}.jwt.jwksUri", jwksProblem!);
        }

        if (jwt.SecretFile is { } secretFile && ReadSecret(secretFile, out string? secretProblem) is null)
        {
            checks.Error($"{at}.jwt.secretFile", secretProblem!);
        }

        if (jwt.ClockSkewSeconds is { } skew)
        {
            checks.Range($"{at}.jwt.clockSkewSeconds", skew, 0, 600);
        }
    }

    private static void ValidateRequest(ConfigChecks checks, AuthorizerConfig config, string at, Func<string, bool> clusterExists)
    {
        if (config.Jwt is not null)
        {
            checks.Error($"{at}.jwt", "only a jwt authorizer has a jwt object");
        }

        if (config.Integration is not { } integration)
        {
            checks.Error($"{at}.integration", "a request authorizer needs integration.cluster (and uri) to POST its event to, or a lambda integration");
        }
        else if (integration.Lambda is { } lambda)
        {
            string integrationPath = $"{at}.integration";
            if (integration.Cluster is not null)
            {
                checks.Error($"{integrationPath}.cluster", "a lambda integration invokes its function: cluster belongs to the http form");
            }

            if (integration.Uri is not null)
            {
                checks.Error($"{integrationPath}.uri", "a lambda integration invokes its function: uri belongs to the http form");
            }

            if (lambda.PayloadFormatVersion is not null)
            {
                checks.Error($"{integrationPath}.payloadFormatVersion", "the authorizer's own payloadFormatVersion chooses its event's format");
            }

            Lambda.LambdaIntegrationSection.Validate(checks, lambda, integration.TimeoutMs, MaxLambdaTimeoutMs, integrationPath, $"authorizer '{config.Name}'");
        }
        else if (integration.Type is { } type && type != "http")
        {
            checks.Error($"{at}.integration.type", $"'{type}' is not \"lambda\" (or \"http\", the default: cluster and uri)");
        }
        else
        {
            foreach (string key in integration.StrayLambdaKeys)
            {
                checks.Error($"{at}.integration.{key}", $"{key} belongs to a lambda integration (\"type\": \"lambda\")");
            }

            if (string.IsNullOrEmpty(integration.Cluster))
            {
                checks.Error($"{at}.integration.cluster", "required");
            }
            else if (!clusterExists(integration.Cluster))
            {
                checks.Error($"{at}.integration.cluster", $"cluster '{integration.Cluster}' is not defined");
            }

            if (integration.Uri is { } uri && (!uri.StartsWith('/') || !ConfigChecks.IsPathSafe(uri.Split('?', 2)[0])))
            {
                checks.Error($"{at}.integration.uri", $"'{uri}' is not a path starting with '/'");
            }

            if (integration.TimeoutMs is { } timeout)
            {
                checks.Range($"{at}.integration.timeoutMs", timeout, 50, MaxTimeoutMs);
            }
        }

        if (config.PayloadFormatVersion is { } version && version is not ("1.0" or "2.0"))
        {
            checks.Error($"{at}.payloadFormatVersion", $"'{version}' is not \"1.0\" or \"2.0\"");
        }

        if (config.EnableSimpleResponses == true && config.PayloadFormatVersion == "1.0")
        {
            // AWS: simple responses come with payload format 2.0 only.
            checks.Error($"{at}.enableSimpleResponses", "simple responses require payloadFormatVersion \"2.0\"");
        }

        if (config.ResultTtlSeconds is { } ttl)
        {
            checks.Range($"{at}.resultTtlSeconds", ttl, 0, MaxResultTtlSeconds);
            if (ttl > 0 && config.IdentitySource.IsEmpty)
            {
                checks.Error($"{at}.resultTtlSeconds", "caching needs an identitySource (the cache key); set 0 or name the sources");
            }
        }
    }

    /// <summary>
    /// The HMAC secret of HS256/384/512 tokens: the file's bytes, a trailing newline removed; at least 32 bytes
    /// (RFC 7518 3.2: a key as long as the hash). Null with a problem when it cannot be used.
    /// </summary>
    public static byte[]? ReadSecret(string path, out string? problem)
    {
        problem = null;
        try
        {
            var bytes = File.ReadAllBytes(path).AsSpan();
            while (bytes.Length > 0 && bytes[^1] is (byte)'\n' or (byte)'\r')
            {
                bytes = bytes[..^1];
            }

            if (bytes.Length < 32)
            {
                problem = $"the secret in '{path}' is {bytes.Length} bytes; HS256 needs at least 32";
                return null;
            }

            return bytes.ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problem = $"cannot read '{path}': {ex.Message}";
            return null;
        }
    }

    /// <summary>The API's authorizers, reusing the live instance of each whose configuration did not change.</summary>
    public static Dictionary<string, Authorizer> Compile(string apiName, ImmutableArray<AuthorizerConfig> configs, IReadOnlyDictionary<string, ClusterModel> clusters)
    {
        var result = new Dictionary<string, Authorizer>(StringComparer.Ordinal);
        if (configs.IsDefaultOrEmpty)
        {
            return result;
        }

        foreach (var config in configs)
        {
            ClusterModel? cluster = config.Integration?.Cluster is { } name && clusters.TryGetValue(name, out var found) ? found : null;
            Lambda.LambdaIntegrationModel? lambda = null;
            if (config.Integration is { Lambda: { } function } integration)
            {
                lambda = Lambda.LambdaIntegrationSection.Compile(function, TimeSpan.FromMilliseconds(integration.TimeoutMs ?? DefaultTimeoutMs), apiName, "", [], "", [], clusters);
                cluster = lambda.Cluster;
            }

            result[config.Name] = AuthorizerRegistry.Shared.GetOrCreate(apiName, config, cluster, lambda);
        }

        return result;
    }
}
