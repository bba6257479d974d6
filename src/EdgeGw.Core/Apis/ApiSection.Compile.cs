using System.Collections.Immutable;
using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.Cors;
using EdgeGw.Core.GatewayResponses;
using EdgeGw.Core.Iam;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;

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
    /// <param name="deployments">The deployment each stage serves and its canary (none: every stage serves the file).</param>
    public ApiRouteSet Compile(ImmutableArray<ClusterModel> clusters, long defaultMaxBodyBytes, bool gatewayThrottle, AccessLogCompiler? accessLogs = null,
        ImmutableArray<DomainModel> domains = default, IamSettings? iam = null, Deployments.StageDeployments? deployments = null)
    {
        var byName = new Dictionary<string, ClusterModel>(StringComparer.Ordinal);
        foreach (var cluster in clusters)
        {
            byName.Add(cluster.Name, cluster);
        }

        var table = new RouteTableBuilder<RouteModel>();
        RouteTableBuilder<RouteModel>? canaryTable = null;
        var stages = ImmutableArray.CreateBuilder<StageRef>();
        var routes = ImmutableArray.CreateBuilder<RouteModel>();
        var answerPolicies = new List<(string, IReadOnlyList<string>, GatewayResponseSet?, CorsPolicy?)>();
        foreach (var api in Config)
        {
            // Shared by every route of the API (and its unmatched requests, see UnmatchedRequestPolicies).
            var policies = ApiPolicies.Compile(api, byName, iam);
            if (api.Protocol != WebSocketProtocol)
            {
                answerPolicies.Add((api.Name, api.Hosts, policies.GatewayResponses, policies.Cors));
            }

            foreach (var stage in api.Stages)
            {
                var stageRef = new StageRef(api.Name, stage.Name);
                stages.Add(stageRef);
                var accessLog = accessLogs?.Compile(stage.AccessLog);

                // A stage with a deployment serves its routes; without one, the file's (Deployments/).
                var served = api;
                var servedPolicies = policies;
                int deploymentId = 0;
                if (deployments is not null && deployments.TryGetPrimary(api.Name, stage.Name, out var deployed, out deploymentId))
                {
                    served = deployed;
                    servedPolicies = ApiPolicies.Compile(deployed, byName, iam);
                }

                if (api.Protocol == WebSocketProtocol)
                {
                    // A connection keeps the definition it was accepted with: a deployment switch, like a reload, reaches new connections.
                    var handshake = WebSocketApiSection.Compile(served, stage, byName, gatewayThrottle, routes.Count, iam, servedPolicies.Authorizers, deploymentId);
                    table.Add(api.Name, api.Hosts, stage.Name, WebSocketApiSection.HandshakeKey, handshake);
                    routes.Add(handshake);
                    continue;
                }

                var canary = deployments?.Canary(api.Name, stage.Name);
                var site = new RouteSite(stageRef, stage, accessLog, deploymentId, canary?.Policy, IsCanary: false, CacheStage: stage.Name);
                foreach (var route in served.Routes)
                {
                    var model = CompileRoute(served, servedPolicies, site, route, byName, defaultMaxBodyBytes, gatewayThrottle, iam, routes.Count);
                    table.Add(api.Name, api.Hosts, stage.Name, model.ParameterKey, model.Route);
                    routes.Add(model.Route);
                }

                if (canary is not null)
                {
                    // The canary's routes: the same stage (settings, log, throttles) with its variables overridden, in a table of their own.
                    canaryTable ??= new RouteTableBuilder<RouteModel>();
                    var canaryPolicies = ApiPolicies.Compile(canary.Api, byName, iam);
                    var canarySite = new RouteSite(stageRef, canary.Stage, accessLog, canary.Policy.Deployment, canary.Policy, IsCanary: true,
                        CacheStage: canary.UseStageCache ? stage.Name : stage.Name + Deployments.DeploymentSection.CanaryCacheSuffix);
                    foreach (var route in canary.Api.Routes)
                    {
                        var model = CompileRoute(canary.Api, canaryPolicies, canarySite, route, byName, defaultMaxBodyBytes, gatewayThrottle, iam, routes.Count);
                        canaryTable.Add(api.Name, api.Hosts, stage.Name, model.ParameterKey, model.Route);
                        routes.Add(model.Route);
                    }
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

        if (canaryTable is not null && !domains.IsDefaultOrEmpty)
        {
            foreach (var domain in domains)
            {
                var mappings = new List<(string, string, string)>(domain.Mappings.Length);
                foreach (var mapping in domain.Mappings)
                {
                    mappings.Add((mapping.BasePath, mapping.Api, mapping.Stage));
                }

                canaryTable.AddDomain(domain.Name, mappings);
            }
        }

        var unmatched = UnmatchedRequestPolicies.Create(answerPolicies, domains.IsDefaultOrEmpty ? [] : domains.Select(d => d.Name));
        return new ApiRouteSet(table.Build(), stages.ToImmutable(), routes.ToImmutable(), unmatched) { CanaryTable = canaryTable?.Build() };
    }
}
