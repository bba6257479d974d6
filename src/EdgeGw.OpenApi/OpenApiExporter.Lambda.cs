using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi;

/// <summary>
/// A <c>lambda</c> integration as API Gateway's <c>aws_proxy</c>, and a request authorizer's as its <c>authorizerUri</c>,
/// with EdgeGw's own keys in <c>x-edgegw-lambda</c>.
/// </summary>
public sealed partial class OpenApiExporter
{
    private JsonObject ExportLambda(JsonObject integration, JsonObject operation, string at)
    {
        string uri = LambdaUri(integration, operation, at);
        foreach (var (key, _) in integration)
        {
            if (key is not ("type" or "function" or "payloadFormatVersion" or "timeoutMs" or "endpoint" or "profile"))
            {
                Warn($"{at}.{key}", "has no API Gateway counterpart: not exported");
            }
        }

        var result = new JsonObject
        {
            ["type"] = "aws_proxy",
            ["httpMethod"] = "POST",
            ["uri"] = uri,
            // Written always: EdgeGw's default is 2.0, an absent key reads back as API Gateway's 1.0.
            ["payloadFormatVersion"] = integration["payloadFormatVersion"]?.ToString() ?? "2.0",
        };
        if (integration["timeoutMs"] is { } timeout)
        {
            result["timeoutInMillis"] = int.TryParse(timeout.ToString(), out int ms) ? ms : 29000;
        }

        return result;
    }

    /// <summary>
    /// A request authorizer's lambda integration as the authorizer's <c>authorizerUri</c>, its EdgeGw-only keys in the
    /// scheme's <c>x-edgegw-lambda</c> (as an operation's). Its timeoutMs has no API Gateway counterpart (AWS's is fixed).
    /// </summary>
    private string ExportLambdaAuthorizer(JsonObject integration, JsonObject scheme, string at)
    {
        foreach (var (key, _) in integration)
        {
            if (key is not ("type" or "function" or "endpoint" or "profile" or "timeoutMs")) // timeoutMs: reported with the http form's
            {
                Warn($"{at}.{key}", "has no API Gateway counterpart: not exported");
            }
        }

        return LambdaUri(integration, scheme, at);
    }

    /// <summary>The invocation URI of a lambda integration's function; what an AWS document cannot say goes to <paramref name="owner"/>'s <c>x-edgegw-lambda</c>.</summary>
    private string LambdaUri(JsonObject integration, JsonObject owner, string at)
    {
        string function = integration["function"]?.ToString() ?? "";
        var extension = new JsonObject();
        string uri;
        if (function.StartsWith("arn:", StringComparison.Ordinal))
        {
            // arn:<partition>:lambda:<region>:… is invoked by API Gateway of the same partition and region.
            var parts = function.Split(':');
            uri = $"arn:{parts[1]}:apigateway:{parts[3]}:lambda:path/2015-03-31/functions/{function}/invocations";
        }
        else
        {
            // An Invoke-API endpoint has no ARN: the URI says where it is, and EdgeGw reads the function back from the extension.
            uri = $"{function.TrimEnd('/')}/2015-03-31/functions/function/invocations";
            extension["function"] = function;
            Warn($"{at}.function", $"'{function}' is an Invoke-API endpoint, not a function ARN: API Gateway cannot import this integration (EdgeGw reads it from {OpenApiImporter.LambdaExtension})");
        }

        foreach (string key in (string[])["endpoint", "profile"])
        {
            if (integration[key]?.ToString() is { } value)
            {
                extension[key] = value;
            }
        }

        if (extension.Count > 0)
        {
            owner[OpenApiImporter.LambdaExtension] = extension;
        }

        return uri;
    }
}
