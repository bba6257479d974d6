using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi;

/// <summary>
/// <c>aws_proxy</c> (Lambda proxy) → <c>"type": "lambda"</c>: the function ARN out of the integration's invocation
/// URI, the payload format, the timeout; EdgeGw's own <c>x-edgegw-lambda</c> operation extension (written by the
/// exporter) carries what an AWS document cannot: an Invoke-API endpoint, a credentials profile.
/// </summary>
public sealed partial class OpenApiImporter
{
    /// <summary>The operation extension that carries a lambda integration's EdgeGw-only keys.</summary>
    internal const string LambdaExtension = "x-edgegw-lambda";

    private const string InvocationsPrefix = ":lambda:path/2015-03-31/functions/";
    private const string InvocationsSuffix = "/invocations";

    /// <summary>The largest <c>timeoutMs</c> a lambda integration takes (AWS REST APIs' 29 s; HTTP APIs allow 30 s).</summary>
    private const int LambdaMaxTimeoutMs = 29_000;
    private const int LambdaMinTimeoutMs = 50;

    /// <summary>Keys of an aws_proxy integration that are read.</summary>
    private static readonly string[] LambdaKeys =
    [
        "type", "uri", "httpMethod", "payloadFormatVersion", "timeoutInMillis", "credentials", "connectionType", "connectionId",
        // Reported on their own (parameter mapping and templates do not apply to a lambda integration).
        "requestParameters", "responseParameters", "requestTemplates",
        // REST API exports carry these on proxy integrations too; API Gateway does not apply them to aws_proxy.
        "passthroughBehavior", "contentHandling", "responses",
    ];

    private static readonly string[] LambdaExtensionKeys = ["function", "endpoint", "profile"];

    private JsonObject? ReadLambda(JsonObject aws, string pointer, JsonObject? extension, string extensionPointer)
    {
        WarnUnknownKeys(aws, pointer, LambdaKeys, "lambda integration");
        foreach (string mapping in (string[])["requestParameters", "responseParameters", "requestTemplates"])
        {
            if (aws.ContainsKey(mapping))
            {
                Warn(JsonPointer.Append(pointer, mapping), $"{mapping} of a Lambda proxy integration are not applied by EdgeGw (the function gets the whole request): ignored");
            }
        }

        string uriPointer = JsonPointer.Append(pointer, "uri");
        string? function = ExtensionText(extension, "function");
        if (function is not null && !function.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !function.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            Warn(JsonPointer.Append(extensionPointer, "function"), $"'{function}' is not an http(s) Invoke-API endpoint: the integration's uri is used");
            function = null;
        }

        if (function is null)
        {
            string uri = Text(aws["uri"]) ?? "";
            function = FunctionArn(uri);
            if (function is null)
            {
                Warn(uriPointer, uri.Length == 0
                    ? "an aws_proxy integration needs a uri (a Lambda invocation ARN): operation not imported"
                    : $"'{uri}' is not a Lambda invocation ARN (arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations): operation not imported");
                return null;
            }

            if (function.Contains("${stageVariables.", StringComparison.Ordinal))
            {
                Warn(uriPointer, $"the function '{function}' comes from a stage variable; EdgeGw's lambda integrations name a fixed function: operation not imported");
                return null;
            }

            if (CheckFunctionArn(function) is { } problem)
            {
                Warn(uriPointer, $"'{function}' is not a function ARN EdgeGw can invoke ({problem}): operation not imported");
                return null;
            }
        }

        var integration = new JsonObject { ["type"] = "lambda", ["function"] = function };
        integration["payloadFormatVersion"] = PayloadFormat(aws, pointer);
        if (aws["timeoutInMillis"] is { } timeoutNode)
        {
            string timeoutPointer = JsonPointer.Append(pointer, "timeoutInMillis");
            if (Integer(timeoutNode) is not { } timeout || timeout < LambdaMinTimeoutMs)
            {
                Warn(timeoutPointer, $"not a number of milliseconds from {LambdaMinTimeoutMs}: ignored (the default, {LambdaMaxTimeoutMs}, applies)");
            }
            else if (timeout > LambdaMaxTimeoutMs)
            {
                Warn(timeoutPointer, $"{timeout} ms is over EdgeGw's {LambdaMaxTimeoutMs} ms for a Lambda invoke: {LambdaMaxTimeoutMs} is used");
                integration["timeoutMs"] = LambdaMaxTimeoutMs;
            }
            else
            {
                integration["timeoutMs"] = timeout;
            }
        }

        if (Text(aws["httpMethod"]) is { } method && !method.Equals("POST", StringComparison.OrdinalIgnoreCase))
        {
            Warn(JsonPointer.Append(pointer, "httpMethod"), $"a Lambda function is invoked with POST (API Gateway requires it), not {method}: ignored");
        }

        if (Text(aws["credentials"]) is { } credentials)
        {
            Warn(JsonPointer.Append(pointer, "credentials"),
                $"the role '{credentials}' is not assumed: EdgeGw signs invokes with its own credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws/credentials, or the integration's profile)");
        }

        if (Text(aws["connectionType"]) is { } connection && !connection.Equals("INTERNET", StringComparison.OrdinalIgnoreCase))
        {
            Warn(JsonPointer.Append(pointer, "connectionType"), $"{connection} is ignored: EdgeGw calls Lambda's Invoke API directly");
        }
        else if (aws.ContainsKey("connectionId"))
        {
            Warn(JsonPointer.Append(pointer, "connectionId"), "connectionId is not used by EdgeGw's lambda integration: ignored");
        }

        ApplyLambdaTarget(integration, extension, extensionPointer);
        return integration;
    }

    /// <summary>
    /// The <c>endpoint</c> and <c>profile</c> of a lambda integration (a route's or a request authorizer's) from
    /// <c>x-edgegw-lambda</c>, or the import's <see cref="ImportOptions.LambdaEndpoint"/> for a function given by ARN.
    /// </summary>
    private void ApplyLambdaTarget(JsonObject integration, JsonObject? extension, string extensionPointer)
    {
        bool isArn = integration["function"]!.ToString().StartsWith("arn:", StringComparison.Ordinal);
        if (ExtensionText(extension, "endpoint") is { } endpoint)
        {
            if (isArn)
            {
                integration["endpoint"] = endpoint;
            }
            else
            {
                Warn(JsonPointer.Append(extensionPointer, "endpoint"), "the function is an Invoke-API endpoint already: ignored");
            }
        }
        else if (isArn && _options.LambdaEndpoint is { Length: > 0 } given)
        {
            integration["endpoint"] = given;
        }

        if (ExtensionText(extension, "profile") is { } profile)
        {
            if (isArn)
            {
                integration["profile"] = profile;
            }
            else
            {
                Warn(JsonPointer.Append(extensionPointer, "profile"), "an Invoke-API endpoint is called unsigned: ignored");
            }
        }
    }

    /// <summary>
    /// The payload format: as written in an OpenAPI 3 document (HTTP API exports always write it), else AWS's 1.0 —
    /// REST APIs (Swagger 2.0 exports) have no other format.
    /// </summary>
    private string PayloadFormat(JsonObject aws, string pointer)
    {
        string formatPointer = JsonPointer.Append(pointer, "payloadFormatVersion");
        string? version = Text(aws["payloadFormatVersion"]);
        if (version is null)
        {
            return "1.0";
        }

        if (version is not ("1.0" or "2.0"))
        {
            Warn(formatPointer, $"'{version}' is not 1.0 or 2.0: 1.0 is used");
            return "1.0";
        }

        if (_swagger2 && version == "2.0")
        {
            Warn(formatPointer, "a REST API (Swagger 2.0) sends the 1.0 event: 1.0 is used");
            return "1.0";
        }

        return version;
    }

    /// <summary>
    /// The function ARN of an invocation URI (<c>arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/&lt;ARN&gt;/invocations</c>),
    /// or the URI itself when it is a function ARN already (HTTP APIs take one as the integration URI); null otherwise.
    /// </summary>
    internal static string? FunctionArn(string uri)
    {
        if (uri.StartsWith("arn:", StringComparison.Ordinal) && uri.Split(':') is [_, _, "lambda", ..])
        {
            return uri;
        }

        int at = uri.IndexOf(InvocationsPrefix, StringComparison.Ordinal);
        if (!uri.StartsWith("arn:", StringComparison.Ordinal) || at < 0 || uri.Split(':', 4) is not [_, _, "apigateway", _]
            || !uri.EndsWith(InvocationsSuffix, StringComparison.Ordinal))
        {
            return null;
        }

        int start = at + InvocationsPrefix.Length;
        int end = uri.Length - InvocationsSuffix.Length;
        return end > start ? uri[start..end] : null;
    }

    /// <summary>What is wrong with a function ARN for the config loader (its own check, kept in step), or null.</summary>
    private static string? CheckFunctionArn(string arn)
    {
        var parts = arn.Split(':');
        if (parts.Length is < 7 or > 8 || parts[0] != "arn" || !parts[1].StartsWith("aws", StringComparison.Ordinal) || parts[2] != "lambda" || parts[5] != "function")
        {
            return "arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]";
        }

        if (parts[4].Length != 12 || parts[4].AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            return $"'{parts[4]}' is not a 12-digit account id";
        }

        if (parts[6].Length is 0 or > 64 || parts[6].AsSpan().ContainsAnyExcept(FunctionNameChars))
        {
            return $"'{parts[6]}' is not a function name";
        }

        if (parts.Length == 8 && (parts[7].Length is 0 or > 128 || parts[7].AsSpan().ContainsAnyExcept(QualifierChars)))
        {
            return $"'{parts[7]}' is not a version or alias";
        }

        return null;
    }

    private static readonly System.Buffers.SearchValues<char> FunctionNameChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

    private static readonly System.Buffers.SearchValues<char> QualifierChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_$");

    /// <summary>A text key of <c>x-edgegw-lambda</c> (its other keys are reported by <see cref="CheckLambdaExtension"/>).</summary>
    private static string? ExtensionText(JsonObject? extension, string key) =>
        extension is null ? null : Text(extension[key]) is { Length: > 0 } text ? text : null;

    /// <summary>Reports the keys of an operation's <c>x-edgegw-lambda</c> that mean nothing, and the extension on a non-Lambda operation.</summary>
    private void CheckLambdaExtension(JsonObject? extension, string extensionPointer, bool lambda)
    {
        if (extension is null)
        {
            return;
        }

        if (!lambda)
        {
            Warn(extensionPointer, $"{LambdaExtension} applies to aws_proxy integrations only: ignored");
            return;
        }

        WarnUnknownKeys(extension, extensionPointer, LambdaExtensionKeys, "lambda extension");
    }
}
