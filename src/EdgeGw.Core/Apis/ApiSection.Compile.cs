using System.Collections.Immutable;
using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Caching;
using EdgeGw.Core.Compression;
using EdgeGw.Core.Cors;
using EdgeGw.Core.GatewayResponses;
using EdgeGw.Core.Iam;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;
using EdgeGw.Core.SourceIp;
using EdgeGw.Core.UsagePlans;

namespace EdgeGw.Core.Apis;

/// <summary>Compilation of the validated apis into the route table and the per-stage models.</summary>
internal sealed partial class ApiSection
{
    /// <summary>Every <c>"api/stage"</c> as written, with the route keys it serves (for usage plans).</summary>
    public IReadOnlyDictionary<string, HashSet<string>> DeployedStages()
    {
        var stages = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var api in Config)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var route in api.Routes)
            {
                keys.Add(route.Key);
            }

            foreach (var stage in api.Stages)
            {
                stages[$"{api.Name}/{stage.Name}"] = keys;
            }
        }

        return stages;
    }

    /// <param name="clusters">The compiled clusters, which http integrations refer to by name.</param>
    /// <param name="defaultMaxBodyBytes">The body limit of routes that set none (<c>server.limits.maxBodyBytes</c>).</param>
    /// <param name="gatewayThrottle">Whether a gateway-wide bucket exists (then every route has an access step).</param>
    /// <param name="accessLogs">Compiles each stage's access log over the gateway's default (none when null).</param>
    /// <param name="domains">Custom domain names whose API mappings route into the stages compiled here.</param>
    public ApiRouteSet Compile(ImmutableArray<ClusterModel> clusters, long defaultMaxBodyBytes, bool gatewayThrottle, AccessLogCompiler? accessLogs = null,
        ImmutableArray<DomainModel> domains = default, IamSettings? iam = null)
    {
        var byName = new Dictionary<string, ClusterModel>(StringComparer.Ordinal);
        foreach (var cluster in clusters)
        {
            byName.Add(cluster.Name, cluster);
        }

        var table = new RouteTableBuilder<RouteModel>();
        var stages = ImmutableArray.CreateBuilder<StageRef>();
        var routes = ImmutableArray.CreateBuilder<RouteModel>();
        var answerPolicies = new List<(string, IReadOnlyList<string>, GatewayResponseSet?, CorsPolicy?)>();
        foreach (var api in Config)
        {
            // Shared by every route of the API (and its unmatched requests, see UnmatchedRequestPolicies).
            var gatewayResponses = GatewayResponseSection.Compile(api.GatewayResponses);
            var cors = CorsSection.Compile(api.Cors);
            var authorizers = AuthorizerSection.Compile(api.Name, api.Authorizers, byName);
            var authorizerPrefixes = AuthorizerSection.HeaderPrefixes(authorizers, iam: UsesIam(api));
            if (api.Protocol != WebSocketProtocol)
            {
                answerPolicies.Add((api.Name, api.Hosts, gatewayResponses, cors));
            }

            foreach (var stage in api.Stages)
            {
                var stageRef = new StageRef(api.Name, stage.Name);
                stages.Add(stageRef);
                var accessLog = accessLogs?.Compile(stage.AccessLog);
                if (api.Protocol == WebSocketProtocol)
                {
                    var handshake = WebSocketApiSection.Compile(api, stage, byName, gatewayThrottle, routes.Count, iam, authorizers);
                    table.Add(api.Name, api.Hosts, stage.Name, WebSocketApiSection.HandshakeKey, handshake);
                    routes.Add(handshake);
                    continue;
                }

                foreach (var route in api.Routes)
                {
                    RouteKey.TryParse(route.Key, out var key, out _);
                    var model = new RouteModel
                    {
                        ApiName = api.Name,
                        StageName = stage.Name,
                        Hosts = api.Hosts,
                        RouteKey = route.Key,
                        StageVariables = stage.Variables,
                        ParameterNames = key.ParameterNames,
                        MaxBodyBytes = route.MaxBodyBytes ?? defaultMaxBodyBytes,
                        Integration = IntegrationSection.Compile(route.Integration, key.ParameterNames, stage, byName, api.Name, route.Key),
                        // A mock answer is already pre-encoded: caching it would only cost memory.
                        Cache = route.Integration.Type == "http" ? CacheSection.CompilePolicy(api.Name, stage.Name, stage.Cache, route.Key, route.Cache) : null,
                        Access = UsagePlanSection.CompileRouteAccess(
                            gatewayThrottle, stageRef, route.Key, stage.Throttle, route.Throttle, route.ClientIpThrottle, route.ApiKeyRequired,
                            AuthorizerSection.ApiKeyFromAuthorizer(api.ApiKeySource)),
                        AccessLog = accessLog,
                        Compression = CompressionSection.Compile(api.Compression ?? CompressionConfig.None, route.Compression ?? CompressionConfig.None),
                        GatewayResponses = gatewayResponses,
                        Cors = cors,
                        SourceIp = SourceIpSection.Compile(route.SourceIp, api.SourceIp),
                        Iam = route.AuthorizationType == AwsIam ? iam : null,
                        Authorizer = AuthorizerSection.CompileRoute(route.Authorizer, route.AuthorizationScopes, authorizers, api.Name, stage.Name, route.Key),
                        AuthorizerHeaderPrefixes = authorizerPrefixes,
                        RequestValidator = RequestValidation.RequestValidationSection.Compile(
                            route.RequestValidator, api.Models, key.ParameterNames, route.MaxBodyBytes ?? defaultMaxBodyBytes),
                        Ordinal = routes.Count,
                    };
                    table.Add(api.Name, api.Hosts, stage.Name, key, model);
                    routes.Add(model);
                }
            }
        }

        if (!domains.IsDefaultOrEmpty)
        {
            foreach (var domain in domains)
            {
                var mappings = new List<(string, string, string)>(domain.Mappings.Length);
                foreach (var mapping in domain.Mappings)
                {
                    mappings.Add((mapping.BasePath, mapping.Api, mapping.Stage));
                }

                table.AddDomain(domain.Name, mappings);
            }
        }

        var unmatched = UnmatchedRequestPolicies.Create(answerPolicies, domains.IsDefaultOrEmpty ? [] : domains.Select(d => d.Name));
        return new ApiRouteSet(table.Build(), stages.ToImmutable(), routes.ToImmutable(), unmatched);
    }
}
