using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.Apis;
using EdgeGw.Core.Caching;
using EdgeGw.Core.Domains;
using EdgeGw.Core.Iam;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;
using EdgeGw.Core.Tracing;
using EdgeGw.Core.Upstream;
using EdgeGw.Core.UsagePlans;

namespace EdgeGw.Core.Configuration;

/// <summary>
/// The sections of <c>edgegw.json</c> for one load, wired to the sections they refer to, in the order their
/// errors are reported; and the composition of their compiled parts into one <see cref="GatewayModel"/>.
/// A new top-level section is one line here and one in <see cref="ConfigValidator"/>'s root keys; a new key
/// inside a section touches only that section's file.
/// </summary>
internal sealed class GatewaySections
{
    public GatewaySections()
    {
        Apis = new ApiSection(Clusters, Iam);
        UsagePlans = new UsagePlanSection(Apis.DeployedStages);
        Domains = new DomainSection(Apis);
        Deployments = new Deployments.DeploymentSection(Apis, State);
        // The https listeners serve the custom domains' certificates too.
        Server = new ServerSection(Domains.CertificateSources, Domains.MutualTlsPolicies);
        All = [Server, Admin, Logging, AccessLog, Tracing, Cache, Throttle, Redis, State, Clusters, Iam, Apis, Deployments, Domains, UsagePlans];
    }

    public ServerSection Server { get; }
    public AdminSection Admin { get; } = new();
    public LoggingSection Logging { get; } = new();
    public AccessLogSection AccessLog { get; } = new();
    public TracingSection Tracing { get; } = new();
    public CacheSection Cache { get; } = new();
    public ThrottleSection Throttle { get; } = new();
    public RedisSection Redis { get; } = new();
    public StateSection State { get; } = new();
    public ClusterSection Clusters { get; } = new();
    public IamSection Iam { get; } = new();
    public ApiSection Apis { get; }
    public DomainSection Domains { get; }
    public Deployments.DeploymentSection Deployments { get; }
    public UsagePlanSection UsagePlans { get; }

    /// <summary>Every section, in report order.</summary>
    public IReadOnlyList<IConfigSection> All { get; }

    /// <summary>Compiles sections that reported no error into the immutable runtime model.</summary>
    /// <param name="configuration">The merged configuration, rendered (redacted) into <see cref="GatewayModel.EffectiveConfig"/>.</param>
    public GatewayModel Compile(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var server = Server.Compile();
        // Each Lambda endpoint is a cluster of the upstream pool too, after the written ones.
        var clusters = Lambda.LambdaIntegrationSection.AddClusters(Clusters.Compile(), Apis.Config);
        var accessLogs = AccessLog.CreateCompiler();
        var domains = Domains.Compile();
        var iam = Iam.Compile();
        var apis = Apis.Compile(clusters, server.Limits.MaxBodyBytes, gatewayThrottle: Throttle.Config is not null, accessLogs, domains, iam, Deployments.Compile());
        return new GatewayModel
        {
            Server = server,
            Clusters = clusters,
            Routes = apis.Table,
            CanaryRoutes = apis.CanaryTable,
            Deployments = Deployments.CompileSettings(),
            Domains = domains,
            Stages = apis.Stages,
            RouteCount = apis.Routes.Length,
            RouteList = apis.Routes,
            UnmatchedRequests = apis.Unmatched,
            HasGatewayResponses = apis.Routes.Any(r => r.GatewayResponses is not null),
            HasParameterMapping = apis.Routes.Any(r => r.Integration is HttpIntegrationModel { RequestMapping: not null } or HttpIntegrationModel { ResponseMapping: not null }),
            Throttle = Throttle.Compile(),
            ApiKeyHeader = UsagePlans.CompileApiKeyHeader(),
            UsagePlans = UsagePlans.CompilePlans(),
            ApiKeys = UsagePlans.CompileApiKeys(),
            Redis = Redis.Compile(),
            State = State.Compile(),
            Admin = Admin.Compile(),
            Logging = Logging.Compile(),
            AccessLog = accessLogs.Default,
            AccessLogDestinations = accessLogs.Destinations,
            Tracing = Tracing.Compile(),
            Cache = Cache.Compile(),
            Iam = iam,
            EffectiveConfig = EffectiveConfig.Render(configuration),
        };
    }
}
