using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi;

/// <summary>
/// A <c>request</c>/<c>token</c> authorizer whose <c>authorizerUri</c> is a Lambda invocation URI → a request
/// authorizer with a <c>"type": "lambda"</c> integration (the function ARN out of the URI); the scheme's
/// <c>x-edgegw-lambda</c> (written by the exporter) carries an Invoke-API endpoint as the function, an ARN's
/// <c>endpoint</c> and a credentials <c>profile</c>, as an operation's does.
/// </summary>
public sealed partial class OpenApiImporter
{
    /// <summary>Whether the authorizer invokes a Lambda function: an ARN as its URI, or an endpoint function in the scheme's extension.</summary>
    private static bool IsLambdaAuthorizer(string uri, JsonObject? extension) =>
        uri.StartsWith("arn:", StringComparison.Ordinal) || EndpointFunction(extension) is not null;

    private static string? EndpointFunction(JsonObject? extension) =>
        ExtensionText(extension, "function") is { } function
        && (function.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || function.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            ? function : null;

    /// <summary>The lambda integration of a Lambda authorizer; null (warned) when EdgeGw cannot invoke the function.</summary>
    private JsonObject? ReadLambdaAuthorizer(string uri, string uriPointer, JsonObject? extension, string extensionPointer)
    {
        if (extension is not null)
        {
            WarnUnknownKeys(extension, extensionPointer, LambdaExtensionKeys, "lambda extension");
        }

        string? function = EndpointFunction(extension);
        if (function is null)
        {
            if (ExtensionText(extension, "function") is { } other)
            {
                Warn(JsonPointer.Append(extensionPointer, "function"), $"'{other}' is not an http(s) Invoke-API endpoint: the authorizerUri is used");
            }

            function = FunctionArn(uri);
            if (function is null)
            {
                Warn(uriPointer, $"'{uri}' is not a Lambda invocation ARN (arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations): routes that require it are not imported");
                return null;
            }

            if (function.Contains("${stageVariables.", StringComparison.Ordinal))
            {
                Warn(uriPointer, $"the function '{function}' comes from a stage variable; EdgeGw's Lambda authorizers name a fixed function: routes that require it are not imported");
                return null;
            }

            if (CheckFunctionArn(function) is { } problem)
            {
                Warn(uriPointer, $"'{function}' is not a function ARN EdgeGw can invoke ({problem}): routes that require it are not imported");
                return null;
            }
        }

        var integration = new JsonObject { ["type"] = "lambda", ["function"] = function };
        ApplyLambdaTarget(integration, extension, extensionPointer);
        return integration;
    }
}
