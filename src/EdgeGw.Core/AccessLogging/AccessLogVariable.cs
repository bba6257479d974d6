namespace EdgeGw.Core.AccessLogging;

/// <summary>A <c>$context</c> variable of an access log format (see <see cref="AccessLogVariables"/> for the names).</summary>
public enum AccessLogVariable : byte
{
    /// <summary>An AWS variable EdgeGw has no value for (authorizers, AWS accounts): always <c>-</c>.</summary>
    Unavailable,
    RequestId,
    SourceIp,
    UserAgent,
    ApiKeyId,
    RequestTime,
    RequestTimeEpoch,
    HttpMethod,
    Path,
    Protocol,
    RouteKey,
    Stage,
    ApiId,
    DomainName,
    DomainPrefix,
    Status,
    ResponseLength,
    ResponseLatency,
    IntegrationLatency,
    IntegrationStatus,
    IntegrationErrorMessage,
    ErrorMessage,
    ErrorMessageString,
    ErrorResponseType,
    Cache,
    Throttle,
    /// <summary><c>customDomain.basePathMatched</c>: the API mapping's base path, <c>(none)</c> for the empty one; <c>-</c> off a custom domain.</summary>
    BasePathMatched,
    /// <summary><c>identity.userArn</c>: the IAM principal of a SigV4-verified request; <c>-</c> otherwise.</summary>
    UserArn,
    /// <summary><c>identity.accessKey</c>: the access key id of a SigV4-verified request.</summary>
    AccessKey,
    /// <summary><c>identity.caller</c>: the principal that signed the request (the configured principal).</summary>
    Caller,
    /// <summary><c>identity.clientCert.*</c>: a mutual TLS domain's verified client certificate; <c>-</c> without one.</summary>
    ClientCertPem,
    ClientCertSubjectDN,
    ClientCertIssuerDN,
    ClientCertSerialNumber,
    ClientCertNotBefore,
    ClientCertNotAfter,
    /// <summary><c>authorizer.principalId</c>: a JWT's sub, a request authorizer's principalId.</summary>
    AuthorizerPrincipalId,
    /// <summary><c>authorizer.claims.&lt;name&gt;</c> (the part's argument is the name).</summary>
    AuthorizerClaim,
    /// <summary><c>authorizer.&lt;key&gt;</c>: a request authorizer's context value (the part's argument is the key).</summary>
    AuthorizerContext,
    /// <summary><c>authorizer.error</c>: why the authorizer refused or failed.</summary>
    AuthorizerError,
    /// <summary><c>authorizer.latency</c>: ms the authorizer took when it had to wait (a fetch or a call); <c>-</c> from a cache.</summary>
    AuthorizerLatency,
    /// <summary><c>authorizer.status</c>: the request authorizer's HTTP status.</summary>
    AuthorizerStatus,
    /// <summary><c>traceId</c>: the W3C trace id (32 hex digits) when tracing is on; <c>-</c> otherwise.</summary>
    TraceId,
    /// <summary><c>isCanaryRequest</c>: <c>true</c> for a request the stage's canary served, <c>false</c> for one its deployment served; <c>-</c> on a stage without a canary.</summary>
    IsCanaryRequest,
    /// <summary><c>deploymentId</c>: the number of the deployment that served the request; <c>-</c> when its stage serves the file.</summary>
    DeploymentId,
}

/// <summary>The variable names a format may use, as AWS spells them (case-sensitive), and EdgeGw's own under <c>edgegw.</c>.</summary>
public static class AccessLogVariables
{
    /// <summary>Every name with a value, in the order the README lists them.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, AccessLogVariable>> Named =
    [
        new("requestId", AccessLogVariable.RequestId),
        new("extendedRequestId", AccessLogVariable.RequestId),
        new("identity.sourceIp", AccessLogVariable.SourceIp),
        new("identity.userAgent", AccessLogVariable.UserAgent),
        new("identity.apiKeyId", AccessLogVariable.ApiKeyId),
        new("identity.userArn", AccessLogVariable.UserArn),
        new("identity.accessKey", AccessLogVariable.AccessKey),
        new("identity.caller", AccessLogVariable.Caller),
        new("requestTime", AccessLogVariable.RequestTime),
        new("requestTimeEpoch", AccessLogVariable.RequestTimeEpoch),
        new("httpMethod", AccessLogVariable.HttpMethod),
        new("path", AccessLogVariable.Path),
        new("protocol", AccessLogVariable.Protocol),
        new("routeKey", AccessLogVariable.RouteKey),
        new("stage", AccessLogVariable.Stage),
        new("apiId", AccessLogVariable.ApiId),
        new("domainName", AccessLogVariable.DomainName),
        new("domainPrefix", AccessLogVariable.DomainPrefix),
        new("status", AccessLogVariable.Status),
        new("responseLength", AccessLogVariable.ResponseLength),
        new("responseLatency", AccessLogVariable.ResponseLatency),
        new("integrationLatency", AccessLogVariable.IntegrationLatency),
        new("integration.latency", AccessLogVariable.IntegrationLatency),
        new("integrationStatus", AccessLogVariable.IntegrationStatus),
        new("integration.integrationStatus", AccessLogVariable.IntegrationStatus),
        new("integration.status", AccessLogVariable.IntegrationStatus),
        new("integrationErrorMessage", AccessLogVariable.IntegrationErrorMessage),
        new("integration.error", AccessLogVariable.IntegrationErrorMessage),
        new("error.message", AccessLogVariable.ErrorMessage),
        new("error.messageString", AccessLogVariable.ErrorMessageString),
        new("error.responseType", AccessLogVariable.ErrorResponseType),
        new("customDomain.basePathMatched", AccessLogVariable.BasePathMatched),
        new("identity.clientCert.clientCertPem", AccessLogVariable.ClientCertPem),
        new("identity.clientCert.subjectDN", AccessLogVariable.ClientCertSubjectDN),
        new("identity.clientCert.issuerDN", AccessLogVariable.ClientCertIssuerDN),
        new("identity.clientCert.serialNumber", AccessLogVariable.ClientCertSerialNumber),
        new("identity.clientCert.validity.notBefore", AccessLogVariable.ClientCertNotBefore),
        new("identity.clientCert.validity.notAfter", AccessLogVariable.ClientCertNotAfter),
        new("edgegw.cache", AccessLogVariable.Cache),
        new("edgegw.throttle", AccessLogVariable.Throttle),
        new("traceId", AccessLogVariable.TraceId),
        new("isCanaryRequest", AccessLogVariable.IsCanaryRequest),
        new("deploymentId", AccessLogVariable.DeploymentId),
    ];

    /// <summary>AWS variables of concepts EdgeGw does not have (yet): accepted, written as <c>-</c>.</summary>
    private static readonly string[] UnavailableNames =
    [
        "accountId", "awsEndpointRequestId", "awsEndpointRequestId2", "dataProcessed",
        "identity.accountId", "identity.user", "identity.principalOrgId",
        "identity.cognitoAuthenticationProvider", "identity.cognitoAuthenticationType", "identity.cognitoIdentityId",
        "identity.cognitoIdentityPoolId",
    ];

    private static readonly Dictionary<string, AccessLogVariable> ByName = Build();

    /// <summary>Finds a variable by its name after <c>$context.</c>; <c>authorize.*</c> is <see cref="AccessLogVariable.Unavailable"/>.</summary>
    public static bool TryFind(string name, out AccessLogVariable variable) => TryFind(name, out variable, out _);

    /// <summary>
    /// Finds a variable by its name after <c>$context.</c>, with its argument: the claim of <c>authorizer.claims.&lt;name&gt;</c>
    /// or the context key of <c>authorizer.&lt;key&gt;</c> (UTF-8); null for other variables.
    /// </summary>
    public static bool TryFind(string name, out AccessLogVariable variable, out byte[]? argument)
    {
        argument = null;
        if (ByName.TryGetValue(name, out variable))
        {
            return true;
        }

        const string authorizer = "authorizer.";
        if (name.StartsWith(authorizer, StringComparison.Ordinal) && !name.EndsWith('.'))
        {
            string rest = name[authorizer.Length..];
            (variable, string? key) = rest switch
            {
                "principalId" => (AccessLogVariable.AuthorizerPrincipalId, null),
                "error" => (AccessLogVariable.AuthorizerError, null),
                "latency" => (AccessLogVariable.AuthorizerLatency, null),
                "status" => (AccessLogVariable.AuthorizerStatus, null),
                _ when rest.StartsWith("claims.", StringComparison.Ordinal) => (AccessLogVariable.AuthorizerClaim, rest["claims.".Length..]),
                _ => (AccessLogVariable.AuthorizerContext, rest),
            };
            argument = key is null ? null : System.Text.Encoding.UTF8.GetBytes(key);
            return true;
        }

        if (name.StartsWith("authorize.", StringComparison.Ordinal) && !name.EndsWith('.'))
        {
            variable = AccessLogVariable.Unavailable;
            return true;
        }

        return false;
    }

    private static Dictionary<string, AccessLogVariable> Build()
    {
        var names = new Dictionary<string, AccessLogVariable>(StringComparer.Ordinal);
        foreach (var pair in Named)
        {
            names.Add(pair.Key, pair.Value);
        }

        foreach (string name in UnavailableNames)
        {
            names.Add(name, AccessLogVariable.Unavailable);
        }

        return names;
    }
}
