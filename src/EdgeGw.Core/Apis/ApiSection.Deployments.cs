using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Caching;
using EdgeGw.Core.Compression;
using EdgeGw.Core.Cors;
using EdgeGw.Core.GatewayResponses;
using EdgeGw.Core.Iam;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;
using EdgeGw.Core.SourceIp;
using EdgeGw.Core.UsagePlans;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Apis;

/// <summary>
/// What the deployments (<c>Deployments/</c>) need of the API section: reading a deployment's snapshot with the file's
/// reader, validating it as the file's APIs are, and compiling one route for a stage from whichever definition
/// (the file's, a deployment's, a canary's) that stage serves.
/// </summary>
internal sealed partial class ApiSection
{
    /// <summary>The per-API objects every route of one definition shares.</summary>
    private sealed record ApiPolicies(GatewayResponseSet? GatewayResponses, CorsPolicy? Cors, Dictionary<string, Authorizer> Authorizers, byte[][]? AuthorizerPrefixes)
    {
        public static ApiPolicies Compile(ApiConfig api, Dictionary<string, ClusterModel> clusters, IamSettings? iam)
        {
            var authorizers = AuthorizerSection.Compile(api.Name, api.Authorizers, clusters);
            return new ApiPolicies(
                GatewayResponseSection.Compile(api.GatewayResponses),
                CorsSection.Compile(api.Cors),
                authorizers,
                AuthorizerSection.HeaderPrefixes(authorizers, iam: UsesIam(api)));
        }
    }

    /// <summary>Where a route is compiled: its stage (the canary's, variables overridden, for a canary route), the deployment and canary marks.</summary>
    /// <param name="CacheStage">The stage name in the route's cache keys (a canary that does not share the stage cache has its own).</param>
    private sealed record RouteSite(StageRef Ref, StageConfig Stage, AccessLogging.AccessLogSettings? AccessLog, int DeploymentId, Deployments.CanaryPolicy? Canary, bool IsCanary, string CacheStage);

    private (RouteModel Route, RouteKey ParameterKey) CompileRoute(ApiConfig api, ApiPolicies policies, RouteSite site, RouteConfig route,
        Dictionary<string, ClusterModel> byName, long defaultMaxBodyBytes, bool gatewayThrottle, IamSettings? iam, int ordinal)
    {
        var stage = site.Stage;
        RouteKey.TryParse(route.Key, out var key, out _);
        var integration = IntegrationSection.Compile(route.Integration, key.ParameterNames, stage, byName, api.Name, route.Key);
        var model = new RouteModel
        {
            ApiName = api.Name,
            StageName = stage.Name,
            Hosts = api.Hosts,
            RouteKey = route.Key,
            StageVariables = stage.Variables,
            ParameterNames = key.ParameterNames,
            MaxBodyBytes = route.MaxBodyBytes ?? defaultMaxBodyBytes,
            Integration = integration,
            MapsRequestBody = integration is HttpIntegrationModel { RequestMapping.ReadsBody: true },
            // A mock answer is already pre-encoded: caching it would only cost memory.
            Cache = route.Integration.Type == "http" ? CacheSection.CompilePolicy(api.Name, site.CacheStage, stage.Cache, route.Key, route.Cache) : null,
            Access = UsagePlanSection.CompileRouteAccess(
                gatewayThrottle, site.Ref, route.Key, stage.Throttle, route.Throttle, route.ClientIpThrottle, route.ApiKeyRequired,
                AuthorizerSection.ApiKeyFromAuthorizer(api.ApiKeySource)),
            AccessLog = site.AccessLog,
            Compression = CompressionSection.Compile(api.Compression ?? CompressionConfig.None, route.Compression ?? CompressionConfig.None),
            GatewayResponses = policies.GatewayResponses,
            Cors = policies.Cors,
            SourceIp = SourceIpSection.Compile(route.SourceIp, api.SourceIp),
            Iam = route.AuthorizationType == AwsIam ? iam : null,
            Authorizer = AuthorizerSection.CompileRoute(route.Authorizer, route.AuthorizationScopes, policies.Authorizers, api.Name, stage.Name, route.Key),
            AuthorizerHeaderPrefixes = policies.AuthorizerPrefixes,
            RequestValidator = RequestValidation.RequestValidationSection.Compile(
                route.RequestValidator, api.Models, key.ParameterNames, route.MaxBodyBytes ?? defaultMaxBodyBytes),
            Ordinal = ordinal,
            DeploymentId = site.DeploymentId,
            Canary = site.Canary,
            IsCanary = site.IsCanary,
        };
        return (model, key!);
    }

    /// <summary>A deployment's snapshot (an <c>apis[]</c> object without stages) read as the file's APIs are, errors under <paramref name="path"/>.</summary>
    internal static ApiConfig ReadSnapshot(ConfigReader reader, IConfigurationSection section, string path) => ReadApi(reader, section, path);

    /// <summary>Checks a deployment's definition (the live API's name, hosts and stages over the snapshot's routes) as a file's API is checked.</summary>
    internal void ValidateSnapshot(ConfigChecks checks, ApiConfig api, string path) => ValidateApi(checks, api, path, [], []);
}
