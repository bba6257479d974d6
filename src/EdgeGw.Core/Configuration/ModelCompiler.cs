using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;

namespace EdgeGw.Core.Configuration;

/// <summary>Turns a validated <see cref="GatewayConfig"/> into the immutable runtime <see cref="GatewayModel"/>.</summary>
internal static class ModelCompiler
{
    public static GatewayModel Compile(GatewayConfig config)
    {
        var server = config.Server;
        var settings = new ServerSettings
        {
            Listen = server.Listen,
            DrainTimeout = TimeSpan.FromSeconds(server.DrainTimeoutSeconds),
            KeepAliveTimeout = TimeSpan.FromSeconds(server.KeepAliveTimeoutSeconds),
            RequestHeadTimeout = TimeSpan.FromSeconds(server.RequestHeadTimeoutSeconds),
            Limits = new RequestLimits
            {
                MaxRequestLineBytes = server.Limits.MaxRequestLineBytes,
                MaxHeaderBytes = server.Limits.MaxHeaderBytes,
                MaxHeaderCount = server.Limits.MaxHeaderCount,
                MaxBodyBytes = server.Limits.MaxBodyBytes,
            },
        };

        var clusters = ImmutableArray.CreateBuilder<ClusterModel>(config.Clusters.Length);
        var byName = new Dictionary<string, ClusterModel>(StringComparer.Ordinal);
        foreach (var cluster in config.Clusters)
        {
            var model = CompileCluster(cluster, clusters.Count);
            clusters.Add(model);
            byName.Add(cluster.Name, model);
        }

        var routes = new RouteTableBuilder();
        foreach (var api in config.Apis)
        {
            foreach (var stage in api.Stages)
            {
                foreach (var route in api.Routes)
                {
                    RouteKey.TryParse(route.Key, out var key, out _);
                    var routeModel = new RouteModel
                    {
                        ApiName = api.Name,
                        StageName = stage.Name,
                        RouteKey = route.Key,
                        ParameterNames = key.ParameterNames,
                        MaxBodyBytes = route.MaxBodyBytes ?? server.Limits.MaxBodyBytes,
                        Integration = CompileIntegration(route.Integration, key, stage, byName),
                    };
                    routes.Add(api.Name, api.Hosts, stage.Name, key, routeModel);
                }
            }
        }

        return new GatewayModel { Server = settings, Clusters = clusters.MoveToImmutable(), Routes = routes.Build() };
    }

    private static ClusterModel CompileCluster(ClusterConfig cluster, int index)
    {
        var destinations = ImmutableArray.CreateBuilder<DestinationModel>(cluster.Destinations.Length);
        foreach (string destination in cluster.Destinations)
        {
            ConfigValidator.TryParseDestination(destination, out string host, out int port);
            destinations.Add(new DestinationModel(host, port));
        }

        TryParseLoadBalancing(cluster.LoadBalancing, out var policy);
        return new ClusterModel
        {
            Name = cluster.Name,
            Index = index,
            LoadBalancing = policy,
            Destinations = destinations.MoveToImmutable(),
            Pool = new UpstreamPoolSettings
            {
                MaxConnectionsPerDestination = cluster.MaxConnectionsPerDestination,
                ConnectTimeout = TimeSpan.FromMilliseconds(cluster.ConnectTimeoutMs),
                IdleTimeout = TimeSpan.FromSeconds(cluster.IdleTimeoutSeconds),
                ResponseTimeout = TimeSpan.FromMilliseconds(cluster.ResponseTimeoutMs),
            },
        };
    }

    private static IntegrationModel CompileIntegration(IntegrationConfig integration, RouteKey key, StageConfig stage, Dictionary<string, ClusterModel> clusters)
    {
        if (integration.Type == "mock")
        {
            var headers = ImmutableArray.CreateBuilder<HeaderBytes>(integration.Headers.Length);
            foreach (var header in integration.Headers)
            {
                headers.Add(new HeaderBytes(Encoding.Latin1.GetBytes(header.Key), Encoding.Latin1.GetBytes(header.Value)));
            }

            return new MockIntegrationModel
            {
                StatusCode = integration.Status,
                Headers = headers.MoveToImmutable(),
                Body = Encoding.UTF8.GetBytes(integration.Body),
            };
        }

        var cluster = clusters[integration.Cluster!];
        ImmutableArray<UriTemplatePart> template = [];
        if (integration.Uri is not null)
        {
            UriTemplate.TryParse(integration.Uri, key.ParameterNames, stage.Variables, out template, out _);
        }

        return new HttpIntegrationModel
        {
            Cluster = cluster,
            PathTemplate = template,
            ResponseTimeout = integration.TimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : cluster.Pool.ResponseTimeout,
        };
    }

    internal static bool TryParseLoadBalancing(string text, out LoadBalancingPolicy policy)
    {
        policy = LoadBalancingPolicy.RoundRobin;
        if (string.Equals(text, "RoundRobin", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(text, "PowerOfTwoChoices", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "LeastRequests", StringComparison.OrdinalIgnoreCase))
        {
            policy = LoadBalancingPolicy.PowerOfTwoChoices;
            return true;
        }

        return false;
    }
}
