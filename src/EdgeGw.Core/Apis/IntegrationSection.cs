using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Apis;

/// <summary>
/// One record for the integration types: <c>mock</c> uses status/headers/body, <c>http</c> uses
/// cluster/uri/timeoutMs, <c>lambda</c> its own keys (<see cref="Lambda.LambdaIntegrationSection"/>) and timeoutMs.
/// Validation rejects keys that belong to another type.
/// </summary>
internal sealed record IntegrationConfig(
    string Type,
    int Status,
    ImmutableArray<KeyValuePair<string, string>> Headers,
    string Body,
    string? Cluster,
    string? Uri,
    int? TimeoutMs,
    ImmutableArray<string> KeysPresent,
    ParameterMapping.ParameterMappingConfig? Mapping = null,
    EdgeGw.Core.Lambda.LambdaIntegrationConfig? Lambda = null);

/// <summary>A route's <c>integration</c>: read, checked and compiled into a mock or http <see cref="IntegrationModel"/>.</summary>
internal static class IntegrationSection
{
    public const int DefaultMockStatus = 200;

    private static readonly string[] Keys = ["type", "status", "headers", "body", "cluster", "uri", "timeoutMs", "requestParameters", "responseParameters", "function", "payloadFormatVersion", "endpoint", "profile"];
    private static readonly string[] MockOnlyKeys = ["status", "headers", "body"];
    private static readonly string[] HttpOnlyKeys = ["cluster", "uri", "timeoutMs"];

    /// <summary>What stands in for an API without a <c>$connect</c> route: a 200 mock.</summary>
    public static IntegrationConfig Mock { get; } = new("mock", DefaultMockStatus, [], "", null, null, null, []);

    public static IntegrationConfig Read(ConfigReader reader, IConfigurationSection integration, string integrationPath)
    {
        reader.CheckObject(integration, integrationPath, Keys);
        var present = ImmutableArray.CreateBuilder<string>();
        foreach (var child in integration.GetChildren())
        {
            present.Add(child.Key);
        }

        return new IntegrationConfig(
            integration["type"] ?? "",
            reader.ReadInt(integration, integrationPath, "status") ?? DefaultMockStatus,
            reader.ReadMap(integration.GetSection("headers"), ConfigReader.Join(integrationPath, "headers")),
            integration["body"] ?? "",
            integration["cluster"],
            integration["uri"],
            reader.ReadInt(integration, integrationPath, "timeoutMs"),
            present.ToImmutable(),
            ParameterMapping.ParameterMappingSection.Read(reader, integration, integrationPath),
            integration["type"] == Lambda.LambdaIntegrationSection.Type ? Lambda.LambdaIntegrationSection.Read(integration) : null);
    }

    /// <param name="parameterNames">The route key's parameters; null when the key itself is invalid (the uri is then not checked).</param>
    /// <param name="routeKey">The route's key, for messages that are read away from the file (an OpenAPI document converted at load).</param>
    public static void Validate(
        ConfigChecks checks,
        ApiConfig api,
        IntegrationConfig integration,
        string integrationPath,
        Func<string, bool> clusterExists,
        ImmutableArray<string>? parameterNames,
        string routeKey = "")
    {
        ParameterMapping.ParameterMappingSection.Validate(
            checks, integration.Mapping ?? ParameterMapping.ParameterMappingConfig.None, integrationPath, integration.Type == "http", parameterNames);
        switch (integration.Type)
        {
            case "mock":
                ForeignKeys(checks, integration, integrationPath, HttpOnlyKeys, "mock");
                ForeignKeys(checks, integration, integrationPath, Lambda.LambdaIntegrationSection.OwnKeys, "mock");
                checks.Range($"{integrationPath}.status", integration.Status, 200, 599);
                if (integration.Status is 204 or 304 && integration.Body.Length > 0)
                {
                    checks.Error($"{integrationPath}.body", $"a {integration.Status} response has no body");
                }

                foreach (var header in integration.Headers)
                {
                    string headerPath = $"{integrationPath}.headers.{header.Key}";
                    if (header.Key.AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars))
                    {
                        checks.Error(headerPath, "not a valid header name");
                    }
                    else if (ConfigChecks.IsGatewayOwnedHeader(header.Key))
                    {
                        checks.Error(headerPath, "this header is set by the gateway");
                    }

                    foreach (char c in header.Value)
                    {
                        if (c is < ' ' and not '\t' or (char)0x7F or > (char)0xFF)
                        {
                            checks.Error(headerPath, "a header value may not contain control or non-Latin-1 characters");
                            break;
                        }
                    }
                }

                break;
            case "http":
                ForeignKeys(checks, integration, integrationPath, MockOnlyKeys, "http");
                ForeignKeys(checks, integration, integrationPath, Lambda.LambdaIntegrationSection.OwnKeys, "http");
                if (string.IsNullOrEmpty(integration.Cluster))
                {
                    checks.Error($"{integrationPath}.cluster", "an http integration needs a cluster");
                }
                else if (!clusterExists(integration.Cluster))
                {
                    checks.Error($"{integrationPath}.cluster", $"cluster '{integration.Cluster}' is not defined");
                }

                if (integration.TimeoutMs is { } timeout)
                {
                    checks.Range($"{integrationPath}.timeoutMs", timeout, 1, 3_600_000);
                }

                if (integration.Uri is not null && parameterNames is { } names)
                {
                    foreach (var stage in api.Stages)
                    {
                        if (!UriTemplate.TryParse(integration.Uri, names, stage.Variables, out _, out string uriError))
                        {
                            checks.Error($"{integrationPath}.uri", api.Stages.Length > 1 ? $"{uriError} (stage '{stage.Name}')" : uriError);
                            break;
                        }
                    }
                }

                break;
            case Lambda.LambdaIntegrationSection.Type:
                ForeignKeys(checks, integration, integrationPath, MockOnlyKeys, "lambda");
                ForeignKeys(checks, integration, integrationPath, ["cluster", "uri"], "lambda");
                Lambda.LambdaIntegrationSection.Validate(checks, api, integration.Lambda!, integration.TimeoutMs, integrationPath, routeKey);
                break;
            case "":
                checks.Error($"{integrationPath}.type", "required: \"mock\", \"http\" or \"lambda\"");
                break;
            default:
                checks.Error($"{integrationPath}.type", $"'{integration.Type}' is not \"mock\", \"http\" or \"lambda\"");
                break;
        }
    }

    /// <param name="parameterNames">The route key's parameters, which <c>{name}</c> in the uri refers to.</param>
    /// <param name="apiName">The API's name and <paramref name="routeKey"/> the route's key, for a Lambda event.</param>
    public static IntegrationModel Compile(
        IntegrationConfig integration,
        ImmutableArray<string> parameterNames,
        StageConfig stage,
        IReadOnlyDictionary<string, ClusterModel> clusters,
        string apiName = "",
        string routeKey = "")
    {
        if (integration.Type == Lambda.LambdaIntegrationSection.Type)
        {
            return Lambda.LambdaIntegrationSection.Compile(integration, apiName, routeKey, parameterNames, stage, clusters);
        }

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
            UriTemplate.TryParse(integration.Uri, parameterNames, stage.Variables, out template, out _);
        }

        return new HttpIntegrationModel
        {
            Cluster = cluster,
            PathTemplate = template,
            ResponseTimeout = integration.TimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : cluster.Pool.ResponseTimeout,
            RequestMapping = integration.Mapping is { } mapping ? ParameterMapping.ParameterMappingSection.CompileRequest(mapping, parameterNames, stage.Variables) : null,
            ResponseMapping = integration.Mapping is { } responseMapping ? ParameterMapping.ParameterMappingSection.CompileResponse(responseMapping, stage.Variables) : null,
        };
    }

    private static void ForeignKeys(ConfigChecks checks, IntegrationConfig integration, string path, string[] foreign, string type)
    {
        foreach (string key in integration.KeysPresent)
        {
            foreach (string candidate in foreign)
            {
                if (string.Equals(candidate, key, StringComparison.OrdinalIgnoreCase))
                {
                    checks.Error($"{path}.{key}", $"not used by a {type} integration");
                }
            }
        }
    }
}
