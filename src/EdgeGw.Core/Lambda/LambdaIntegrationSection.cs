using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using EdgeGw.Core.Apis;
using EdgeGw.Core.Iam;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Lambda;

/// <summary>A <c>"type": "lambda"</c> integration's own keys as written (<c>timeoutMs</c> is the integration's shared key).</summary>
internal sealed record LambdaIntegrationConfig(string? Function, string? PayloadFormatVersion, string? Endpoint, string? Profile);

/// <summary>
/// A route's Lambda proxy integration: <c>function</c> (an ARN or an <c>http://host:port</c> Invoke-API endpoint),
/// <c>payloadFormatVersion</c> (<c>"2.0"</c>, the default, or <c>"1.0"</c>), <c>timeoutMs</c> (AWS's 50 to 29,000, default
/// 29,000), <c>endpoint</c> (an ARN's Invoke API elsewhere: the Runtime Interface Emulator, SAM local, LocalStack) and
/// <c>profile</c> (the shared-credentials profile to sign with). Read, checked with JSON paths and compiled into a
/// <see cref="LambdaIntegrationModel"/>; every distinct endpoint (of routes and of request authorizers with a lambda
/// integration, which share these keys and checks) becomes a cluster of the upstream pool (<see cref="AddClusters"/>),
/// so invokes reuse keep-alive connections like any http integration.
/// </summary>
internal static class LambdaIntegrationSection
{
    public const string Type = "lambda";
    public const int DefaultTimeoutMs = 29_000;
    public const int MinTimeoutMs = 50;
    public const int MaxTimeoutMs = 29_000;
    /// <summary>The prefix of the clusters made for Lambda endpoints (a cluster name as written cannot start so).</summary>
    public const string ClusterPrefix = "lambda:";

    /// <summary>The keys only a lambda integration has.</summary>
    public static readonly string[] OwnKeys = ["function", "payloadFormatVersion", "endpoint", "profile"];

    private static readonly Func<string, string?> Environment = static name => System.Environment.GetEnvironmentVariable(name);

    public static LambdaIntegrationConfig Read(IConfigurationSection integration) =>
        new(integration["function"], integration["payloadFormatVersion"], integration["endpoint"], integration["profile"]);

    /// <param name="routeKey">The route's key, named where the message must stand on its own ("" when unknown).</param>
    public static void Validate(ConfigChecks checks, ApiConfig api, LambdaIntegrationConfig config, int? timeoutMs, string path, string routeKey = "")
    {
        if (api.Protocol == ApiSection.WebSocketProtocol && config.PayloadFormatVersion is not null)
        {
            // A WebSocket API's function gets AWS's WebSocket event: there is no format to choose.
            checks.Error($"{path}.payloadFormatVersion", "WebSocket APIs send AWS's WebSocket event: payloadFormatVersion applies to HTTP APIs");
        }

        Validate(checks, config, timeoutMs, MaxTimeoutMs, path, routeKey.Length == 0 ? "" : $"route '{routeKey}'");
    }

    /// <summary>
    /// The function, endpoint, profile, payload format and timeout (<paramref name="maxTimeoutMs"/>: 29,000 for a route,
    /// AWS's 10,000 for a request authorizer), as a route's and a request authorizer's lambda integration share them.
    /// </summary>
    /// <param name="subject">What the integration belongs to (<c>route 'GET /x'</c>, <c>authorizer 'a'</c>), named where the message must stand on its own ("" when unknown).</param>
    public static void Validate(ConfigChecks checks, LambdaIntegrationConfig config, int? timeoutMs, int maxTimeoutMs, string path, string subject = "")
    {
        if (timeoutMs is { } timeout)
        {
            checks.Range($"{path}.timeoutMs", timeout, MinTimeoutMs, maxTimeoutMs);
        }

        if (config.PayloadFormatVersion is not (null or "2.0" or "1.0"))
        {
            checks.Error($"{path}.payloadFormatVersion", $"'{config.PayloadFormatVersion}' is not \"2.0\" or \"1.0\"");
        }

        if (string.IsNullOrEmpty(config.Function))
        {
            checks.Error($"{path}.function", "a lambda integration needs a function (an ARN or an http://host:port Invoke-API endpoint)");
            return;
        }

        if (!LambdaFunction.TryParse(config.Function, out var function, out string error))
        {
            checks.Error($"{path}.function", error);
            return;
        }

        if (config.Endpoint is not null)
        {
            if (!function.IsArn)
            {
                checks.Error($"{path}.endpoint", "only a function given by ARN takes an endpoint (the function is an endpoint already)");
            }
            else if (!Upstream.ClusterSection.TryParseDestination(config.Endpoint.TrimEnd('/'), out _, out _, out _))
            {
                checks.Error($"{path}.endpoint", $"'{config.Endpoint}' is not http://host:port or https://host:port (no path)");
            }
        }

        if (config.Profile is not null)
        {
            if (!function.IsArn)
            {
                checks.Error($"{path}.profile", "an Invoke-API endpoint is called unsigned: a profile would not be used");
            }
            else if (AwsCredentialSource.Find(config.Profile, Environment) is null)
            {
                checks.Error($"{path}.profile", $"profile '{config.Profile}' has no aws_access_key_id/aws_secret_access_key in ~/.aws/credentials or ~/.aws/config");
            }
        }
        else if (function.IsArn && config.Endpoint is null && AwsCredentialSource.Find(null, Environment) is null)
        {
            // Named by its key too: an OpenAPI document converted at load has no routes[] of its own to point at.
            checks.Error($"{path}.function", $"{(subject.Length == 0 ? "" : $"{subject}: ")}invoking AWS Lambda needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials "
                + "(AWS_PROFILE, or the integration's \"profile\"); or give the integration an \"endpoint\" (an Invoke API such as sam local start-lambda's)");
        }
    }

    /// <summary>
    /// <paramref name="clusters"/> followed by one cluster per distinct Lambda endpoint of <paramref name="apis"/>' routes
    /// and request authorizers (indexes continue theirs), named <c>lambda:scheme://host:port</c>. Called on a validated config.
    /// </summary>
    public static ImmutableArray<ClusterModel> AddClusters(ImmutableArray<ClusterModel> clusters, ImmutableArray<ApiConfig> apis)
    {
        ImmutableArray<ClusterModel>.Builder? all = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var configs = new List<LambdaIntegrationConfig>();
        foreach (var api in apis)
        {
            foreach (var route in api.Routes)
            {
                if (route.Integration.Type == Type && route.Integration.Lambda is { } routeConfig)
                {
                    configs.Add(routeConfig);
                }
            }

            if (!api.Authorizers.IsDefault)
            {
                foreach (var authorizer in api.Authorizers)
                {
                    if (authorizer.Integration?.Lambda is { } authorizerConfig)
                    {
                        configs.Add(authorizerConfig);
                    }
                }
            }
        }

        foreach (var config in configs)
        {
            if (!TryTarget(config, out _, out string host, out int port, out bool tls))
            {
                continue;
            }

            var destination = new DestinationModel(host, port, tls);
            string name = ClusterName(destination);
            if (!seen.Add(name))
            {
                continue;
            }

            all ??= clusters.ToBuilder();
            all.Add(new ClusterModel
            {
                Name = name,
                Index = all.Count,
                LoadBalancing = LoadBalancingPolicy.RoundRobin,
                Destinations = [destination],
                Pool = new UpstreamPoolSettings
                {
                    MaxConnectionsPerDestination = Upstream.ClusterSection.DefaultMaxConnectionsPerDestination,
                    ConnectTimeout = TimeSpan.FromMilliseconds(Upstream.ClusterSection.DefaultConnectTimeoutMs),
                    IdleTimeout = TimeSpan.FromSeconds(Upstream.ClusterSection.DefaultIdleTimeoutSeconds),
                    ResponseTimeout = TimeSpan.FromMilliseconds(MaxTimeoutMs),
                },
                Retries = 0,
                // AWS and any https endpoint: verified against the system store.
                Tls = tls ? SystemTls : null,
            });
        }

        return all is null ? clusters : all.ToImmutable();
    }

    private static readonly UpstreamTlsSettings SystemTls = new() { Fingerprint = "system" };

    /// <param name="parameterNames">The route key's path parameters, in capture order.</param>
    public static LambdaIntegrationModel Compile(IntegrationConfig integration, string apiName, string routeKey, ImmutableArray<string> parameterNames,
        StageConfig stage, IReadOnlyDictionary<string, ClusterModel> clusters) =>
        Compile(integration.Lambda!, TimeSpan.FromMilliseconds(integration.TimeoutMs ?? DefaultTimeoutMs), apiName, routeKey, parameterNames, stage.Name, stage.Variables, clusters);

    /// <summary>
    /// A validated lambda integration compiled: the endpoint's cluster, target, Host, signing and <paramref name="timeout"/>;
    /// the route's event values (a request authorizer, whose event is its own, passes empty ones).
    /// </summary>
    public static LambdaIntegrationModel Compile(LambdaIntegrationConfig config, TimeSpan timeout, string apiName, string routeKey, ImmutableArray<string> parameterNames,
        string stageName, ImmutableArray<KeyValuePair<string, string>> stageVariables, IReadOnlyDictionary<string, ClusterModel> clusters)
    {
        TryTarget(config, out var function, out string host, out int port, out bool tls);
        var destination = new DestinationModel(host, port, tls);
        string name = function.IsArn
            // AWS itself: the whole ARN (another account's function too); elsewhere (SAM local) the function's name.
            ? (config.Endpoint is null ? function.Text : function.Qualifier is null ? function.Name : $"{function.Name}:{function.Qualifier}")
            : LambdaFunction.EmulatorFunctionName;
        bool defaultPort = port == (tls ? 443 : 80);
        var credentials = function.IsArn ? LambdaCredentials.Find(config.Profile, function.Region, Environment) : null;

        string resource = routeKey.IndexOf(' ') is int space and >= 0 ? routeKey[(space + 1)..] : routeKey;
        var names = ImmutableArray.CreateBuilder<JsonEncodedText>(parameterNames.Length);
        foreach (string parameter in parameterNames)
        {
            names.Add(JsonEncodedText.Encode(parameter));
        }

        var variables = ImmutableArray.CreateBuilder<KeyValuePair<JsonEncodedText, JsonEncodedText>>(stageVariables.Length);
        foreach (var variable in stageVariables)
        {
            variables.Add(new(JsonEncodedText.Encode(variable.Key), JsonEncodedText.Encode(variable.Value)));
        }

        return new LambdaIntegrationModel
        {
            Cluster = clusters[ClusterName(destination)],
            InvokeTarget = Encoding.ASCII.GetBytes($"/2015-03-31/functions/{Uri.EscapeDataString(name)}/invocations"),
            Host = Encoding.ASCII.GetBytes(defaultPort ? (host.Contains(':') ? $"[{host}]" : host) : destination.Authority),
            Version2 = config.PayloadFormatVersion != "1.0",
            Timeout = timeout,
            Credentials = credentials,
            Function = config.Function!,
            RouteKey = JsonEncodedText.Encode(routeKey),
            Resource = JsonEncodedText.Encode(resource),
            Stage = JsonEncodedText.Encode(stageName),
            ApiId = JsonEncodedText.Encode(apiName),
            ParameterNames = names.MoveToImmutable(),
            StageVariables = variables.MoveToImmutable(),
        };
    }

    private static string ClusterName(DestinationModel destination) => $"{ClusterPrefix}{(destination.UseTls ? "https" : "http")}://{destination.Authority}";

    /// <summary>Where the Invoke API of a validated config is: the endpoint, the ARN's <c>endpoint</c> override, or AWS's regional endpoint.</summary>
    private static bool TryTarget(LambdaIntegrationConfig config, out LambdaFunction function, out string host, out int port, out bool tls)
    {
        host = "";
        port = 0;
        tls = false;
        if (config.Function is null || !LambdaFunction.TryParse(config.Function, out function, out _))
        {
            function = null!;
            return false;
        }

        if (!function.IsArn)
        {
            host = function.EndpointHost!;
            port = function.EndpointPort;
            tls = function.EndpointTls;
            return true;
        }

        if (config.Endpoint is { } endpoint)
        {
            return Upstream.ClusterSection.TryParseDestination(endpoint.TrimEnd('/'), out host, out port, out tls);
        }

        host = function.AwsHost;
        port = 443;
        tls = true;
        return true;
    }
}
