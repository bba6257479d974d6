using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.Model;

namespace EdgeGw.Core.Authorizers;

/// <summary>
/// Keeps the live authorizers by API, name and configuration (the request authorizer's cluster destinations
/// included: its calls find the cluster's pool by name in the snapshot they run in), so a reload that leaves an authorizer unchanged keeps its JWKS and caches. Weakly held: an
/// authorizer no snapshot uses any more is collected. Used at compile time only.
/// </summary>
internal sealed class AuthorizerRegistry
{
    public static readonly AuthorizerRegistry Shared = new();

    private readonly Dictionary<string, WeakReference<Authorizer>> _live = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Authorizer GetOrCreate(string apiName, AuthorizerConfig config, ClusterModel? cluster, Lambda.LambdaIntegrationModel? lambda = null)
    {
        string key = Fingerprint(apiName, config, cluster, lambda);
        lock (_lock)
        {
            if (_live.TryGetValue(key, out var weak) && weak.TryGetTarget(out var existing))
            {
                return existing;
            }

            var created = Create(config, cluster, lambda);
            _live[key] = new WeakReference<Authorizer>(created);
            if (_live.Count > 1024)
            {
                Prune();
            }

            return created;
        }
    }

    private void Prune()
    {
        var dead = new List<string>();
        foreach (var (key, weak) in _live)
        {
            if (!weak.TryGetTarget(out _))
            {
                dead.Add(key);
            }
        }

        foreach (string key in dead)
        {
            _live.Remove(key);
        }
    }

    private static Authorizer Create(AuthorizerConfig config, ClusterModel? cluster, Lambda.LambdaIntegrationModel? lambda)
    {
        var sources = ImmutableArray.CreateBuilder<IdentitySource>(config.IdentitySource.Length);
        foreach (string text in config.IdentitySource)
        {
            IdentitySource.TryParse(text, out var source, out _);
            sources.Add(source);
        }

        byte[] prefix = Encoding.ASCII.GetBytes(config.ForwardHeaders?.Prefix ?? AuthorizerSection.DefaultPrefix);
        if (config.Type == AuthorizerSection.JwtType)
        {
            var jwt = config.Jwt!;
            return new JwtAuthorizer(config.Name, sources.ToImmutable(), prefix, new JwtSettings(
                jwt.Issuer!, jwt.Audience, jwt.ClockSkewSeconds ?? AuthorizerSection.DefaultClockSkewSeconds,
                jwt.SecretFile is { } secretFile ? AuthorizerSection.ReadSecret(secretFile, out _) : null),
                JwksSources.GetOrCreate(jwt.Issuer!, jwt.JwksUri),
                config.ForwardHeaders?.Claims ?? ["sub"]);
        }

        var integration = config.Integration!;
        var target = new HttpIntegrationModel
        {
            Cluster = cluster!,
            PathTemplate = [new UriTemplatePart(UriTemplatePartKind.Literal, Encoding.UTF8.GetBytes(integration.Uri ?? "/"), 0)],
            ResponseTimeout = TimeSpan.FromMilliseconds(integration.TimeoutMs ?? AuthorizerSection.DefaultTimeoutMs),
        };
        return new RequestAuthorizer(config.Name, sources.ToImmutable(), prefix, new RequestAuthorizerSettings(
            target, config.PayloadFormatVersion ?? "2.0", config.EnableSimpleResponses ?? false,
            config.ResultTtlSeconds ?? (config.IdentitySource.IsEmpty ? 0 : AuthorizerSection.DefaultResultTtlSeconds), lambda));
    }

    private static string Fingerprint(string apiName, AuthorizerConfig config, ClusterModel? cluster, Lambda.LambdaIntegrationModel? lambda)
    {
        var text = new StringBuilder();
        text.Append(apiName).Append('\n').Append(config.Name).Append('\n').Append(config.Type).Append('\n')
            .AppendJoin(',', config.IdentitySource).Append('\n')
            .Append(config.Jwt?.Issuer).Append('\n').AppendJoin(',', config.Jwt?.Audience ?? []).Append('\n').Append(config.Jwt?.JwksUri).Append('\n').Append(config.Jwt?.ClockSkewSeconds).Append('\n')
            .Append(config.Jwt?.SecretFile is { } secretFile && AuthorizerSection.ReadSecret(secretFile, out _) is { } secret ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(secret)) : "").Append('\n')
            .Append(config.Integration?.Cluster).Append('\n').Append(config.Integration?.Uri).Append('\n').Append(config.Integration?.TimeoutMs).Append('\n')
            .Append(config.PayloadFormatVersion).Append('\n').Append(config.EnableSimpleResponses).Append('\n').Append(config.ResultTtlSeconds).Append('\n')
            .Append(config.ForwardHeaders?.Prefix).Append('\n').AppendJoin(',', config.ForwardHeaders?.Claims ?? []).Append('\n');
        if (lambda is not null)
        {
            // The function, where its Invoke API is, and who signs (a changed key makes a new authorizer).
            text.Append(lambda.Function).Append('\n').Append(Encoding.ASCII.GetString(lambda.InvokeTarget)).Append('\n').Append(config.Integration?.Lambda?.Profile).Append('\n')
                .Append(lambda.Signing is { } signing ? Encoding.ASCII.GetString(signing.AccessKeyId) : "").Append('\n');
        }

        if (cluster is not null)
        {
            foreach (var destination in cluster.Destinations)
            {
                text.Append(destination.UseTls ? "https://" : "http://").Append(destination.Authority).Append(',');
            }
        }

        return text.ToString();
    }
}
