using System.Text;
using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi;

/// <summary><c>x-amazon-apigateway-integration</c> → a route's <c>integration</c> (and the cluster it names).</summary>
public sealed partial class OpenApiImporter
{
    /// <summary>Keys of an integration that are read, per kind; any other key is reported.</summary>
    private static readonly string[] HttpKeys = ["type", "uri", "httpMethod", "requestParameters", "responseParameters", "timeoutInMillis", "connectionType", "payloadFormatVersion"];
    private static readonly string[] MockKeys = ["type", "requestTemplates", "responses", "passthroughBehavior", "timeoutInMillis"];

    /// <param name="lambda">The operation's <c>x-edgegw-lambda</c> (null when it has none) and its pointer.</param>
    private JsonObject? ReadIntegration(string routeKey, JsonObject aws, string pointer, OperationParameters parameters, JsonObject? lambda, string lambdaPointer)
    {
        string type = Text(aws["type"])?.ToLowerInvariant() ?? "";
        CheckLambdaExtension(lambda, lambdaPointer, type == "aws_proxy");
        switch (type)
        {
            case "http_proxy" or "http":
                return ReadHttp(routeKey, aws, pointer, type);
            case "mock":
                return ReadMock(aws, pointer);
            case "aws_proxy":
                return ReadLambda(aws, pointer, lambda, lambdaPointer);
            case "aws":
                Warn(JsonPointer.Append(pointer, "type"), "aws (AWS service) integrations are not supported: operation not imported");
                return null;
            default:
                Warn(JsonPointer.Append(pointer, "type"), $"'{type}' is not an integration type EdgeGw has (http_proxy, http, mock, aws_proxy): operation not imported");
                return null;
        }
    }

    private JsonObject? ReadHttp(string routeKey, JsonObject aws, string pointer, string type)
    {
        WarnUnknownKeys(aws, pointer, HttpKeys, "integration");
        string uri = Text(aws["uri"]) ?? "";
        string uriPointer = JsonPointer.Append(pointer, "uri");
        int schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
        string scheme = schemeEnd < 0 ? "" : uri[..schemeEnd].ToLowerInvariant();
        if (scheme is not ("http" or "https"))
        {
            Warn(uriPointer, $"'{uri}' is not an http(s) URL: operation not imported");
            return null;
        }

        int pathStart = uri.IndexOf('/', schemeEnd + 3);
        string authority = pathStart < 0 ? uri[(schemeEnd + 3)..] : uri[(schemeEnd + 3)..pathStart];
        string path = pathStart < 0 ? "" : uri[pathStart..];
        if (authority.Contains('$', StringComparison.Ordinal) || authority.Contains('{', StringComparison.Ordinal))
        {
            Warn(uriPointer, $"the host of '{uri}' comes from a variable; EdgeGw's clusters are fixed: operation not imported");
            return null;
        }

        var integration = new JsonObject { ["type"] = "http", ["cluster"] = Cluster(scheme, authority) };
        var (mapping, pathMap) = ReadRequestParameters(aws, pointer);
        int query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            // EdgeGw's uri is a path (the client's query string is forwarded): the uri's own pairs are appended.
            foreach (string pair in path[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int equals = pair.IndexOf('=', StringComparison.Ordinal);
                string name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
                string value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
                mapping[$"append:querystring.{name}"] = value.Length == 0 ? "''" : value;
            }

            path = path[..query];
        }

        if (path.Length > 0)
        {
            integration["uri"] = RewriteUriPath(path, pathMap, RouteParameters(routeKey), uriPointer);
        }

        if (type == "http" && (aws.ContainsKey("requestTemplates") || aws.ContainsKey("responses")))
        {
            Warn(pointer, "mapping templates of an http integration are not applied: the request and response are passed through as by http_proxy");
        }

        if (Text(aws["httpMethod"]) is { } httpMethod && !httpMethod.Equals("ANY", StringComparison.OrdinalIgnoreCase)
            && !routeKey.StartsWith(httpMethod.ToUpperInvariant() + " ", StringComparison.Ordinal))
        {
            Warn(JsonPointer.Append(pointer, "httpMethod"), $"EdgeGw forwards the client's method, not {httpMethod}");
        }

        if (aws["timeoutInMillis"] is { } timeoutNode)
        {
            if (Integer(timeoutNode) is { } timeout and > 0)
            {
                integration["timeoutMs"] = timeout;
            }
            else
            {
                Warn(JsonPointer.Append(pointer, "timeoutInMillis"), "not a positive number of milliseconds: ignored");
            }
        }

        if (Text(aws["connectionType"]) is { } connection && !connection.Equals("INTERNET", StringComparison.OrdinalIgnoreCase))
        {
            Warn(JsonPointer.Append(pointer, "connectionType"), $"{connection} is ignored: EdgeGw reaches the backend directly at '{authority}'");
        }

        if (mapping.Count > 0)
        {
            integration["requestParameters"] = mapping;
        }

        if (Object(aws, "responseParameters") is { } responseParameters)
        {
            integration["responseParameters"] = responseParameters.DeepClone();
        }

        return integration;
    }

    /// <summary>The cluster for a backend, one per scheme and authority.</summary>
    private string Cluster(string scheme, string authority)
    {
        string destination = scheme == "https" ? $"https://{authority}" : authority.Contains(':', StringComparison.Ordinal) ? authority : $"{authority}:80";
        if (_clusterByDestination.TryGetValue(destination, out string? existing))
        {
            return existing;
        }

        var name = new StringBuilder();
        foreach (char c in authority.ToLowerInvariant())
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-');
        }

        string baseName = scheme == "https" ? name + "-https" : name.ToString();
        string unique = baseName;
        for (int i = 2; _clusterByDestination.ContainsValue(unique); i++)
        {
            unique = $"{baseName}-{i}";
        }

        _clusterByDestination[destination] = unique;
        _clusters.Add(new JsonObject { ["name"] = unique, ["destinations"] = new JsonArray(destination) });
        return unique;
    }

    private static List<string> RouteParameters(string routeKey)
    {
        var names = new List<string>();
        int at = 0;
        while ((at = routeKey.IndexOf('{', at)) >= 0)
        {
            int end = routeKey.IndexOf('}', at);
            if (end < 0)
            {
                break;
            }

            names.Add(routeKey[(at + 1)..end].TrimEnd('+'));
            at = end;
        }

        return names;
    }

    /// <summary>
    /// AWS's uri placeholders name integration parameters (<c>integration.request.path.id</c>), which
    /// <c>requestParameters</c> fill from the route's (<c>method.request.path.petId</c>); EdgeGw's uri names the
    /// route's parameters directly.
    /// </summary>
    private string RewriteUriPath(string path, Dictionary<string, string> pathMap, List<string> routeParameters, string pointer)
    {
        var text = new StringBuilder();
        int i = 0;
        while (i < path.Length)
        {
            if (path[i] == '{' && (i == 0 || path[i - 1] != '$'))
            {
                int end = path.IndexOf('}', i);
                if (end > i)
                {
                    string name = path[(i + 1)..end].TrimEnd('+');
                    string target = pathMap.TryGetValue(name, out string? mapped) ? mapped : name;
                    if (!routeParameters.Contains(target))
                    {
                        Warn(pointer, $"{{{name}}} is not filled from a parameter of the route");
                    }

                    text.Append('{').Append(target).Append('}');
                    i = end + 1;
                    continue;
                }
            }

            if (path.AsSpan(i).StartsWith("${stageVariables.", StringComparison.Ordinal))
            {
                int end = path.IndexOf('}', i);
                if (end > i)
                {
                    _stageVariables.Add(path[(i + "${stageVariables.".Length)..end]);
                    text.Append(path, i, end + 1 - i);
                    i = end + 1;
                    continue;
                }
            }

            text.Append(path[i]);
            i++;
        }

        return text.ToString();
    }

    /// <summary>
    /// REST API <c>requestParameters</c> (<c>integration.request.header.X: method.request.header.Y</c>) as EdgeGw's
    /// parameter mapping (<c>overwrite:header.X: $request.header.Y</c>); HTTP API mappings (<c>append:header.X</c>)
    /// are EdgeGw's already. Path parameters go to the uri instead.
    /// </summary>
    private (JsonObject Mapping, Dictionary<string, string> PathMap) ReadRequestParameters(JsonObject aws, string pointer)
    {
        var mapping = new JsonObject();
        var pathMap = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Object(aws, "requestParameters") is not { } parameters)
        {
            return (mapping, pathMap);
        }

        string parametersPointer = JsonPointer.Append(pointer, "requestParameters");
        foreach (var (key, valueNode) in parameters)
        {
            string at = JsonPointer.Append(parametersPointer, key);
            string value = Text(valueNode) ?? "";
            if (key.StartsWith("append:", StringComparison.Ordinal) || key.StartsWith("overwrite:", StringComparison.Ordinal) || key.StartsWith("remove:", StringComparison.Ordinal))
            {
                mapping[key] = value;
                continue;
            }

            var parts = key.Split('.', 4);
            if (parts.Length < 4 || parts[0] != "integration" || parts[1] != "request" || parts[2] is not ("header" or "querystring" or "path" or "multivalueheader" or "multivaluequerystring"))
            {
                Warn(at, "not an integration request parameter EdgeGw can map (integration.request.header|querystring|path.<name>): ignored");
                continue;
            }

            if (MapSource(value) is not { } source)
            {
                Warn(at, $"'{value}' cannot be mapped by EdgeGw (method.request.header|querystring|path.<name>, context.<variable>, stageVariables.<name> or a 'literal'): ignored");
                continue;
            }

            string place = parts[2] switch { "multivalueheader" => "header", "multivaluequerystring" => "querystring", var p => p };
            if (place == "path")
            {
                if (source.StartsWith("$request.path.", StringComparison.Ordinal))
                {
                    pathMap[parts[3]] = source["$request.path.".Length..];
                }
                else
                {
                    Warn(at, "a path parameter is filled only from a route parameter in EdgeGw: ignored");
                }

                continue;
            }

            mapping[$"overwrite:{place}.{parts[3]}"] = source;
        }

        return (mapping, pathMap);
    }

    /// <summary>A REST API mapping source as an EdgeGw selection expression, or null when there is none.</summary>
    private static string? MapSource(string value)
    {
        if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
        {
            return value.Length == 2 ? "''" : value[1..^1];
        }

        foreach (string place in (string[])["header", "querystring", "path", "multivalueheader", "multivaluequerystring"])
        {
            string prefix = $"method.request.{place}.";
            if (value.StartsWith(prefix, StringComparison.Ordinal))
            {
                string target = place switch { "multivalueheader" => "header", "multivaluequerystring" => "querystring", _ => place };
                return $"$request.{target}.{value[prefix.Length..]}";
            }
        }

        if (value.StartsWith("context.", StringComparison.Ordinal) || value.StartsWith("stageVariables.", StringComparison.Ordinal))
        {
            return "$" + value;
        }

        return value.StartsWith('$') ? value : null;
    }

    private void WarnUnknownKeys(JsonObject obj, string pointer, string[] known, string what)
    {
        foreach (var (key, _) in obj)
        {
            if (Array.IndexOf(known, key) < 0)
            {
                Warn(JsonPointer.Append(pointer, key), $"{key} is not used by EdgeGw's {what}: ignored");
            }
        }
    }
}
