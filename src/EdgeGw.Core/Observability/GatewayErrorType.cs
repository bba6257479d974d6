namespace EdgeGw.Core.Observability;

/// <summary>
/// The kind of one of the gateway's own answers, with AWS's gateway response type names
/// (<c>$context.error.responseType</c>): see <see cref="GatewayErrorTypes.Name"/>.
/// </summary>
public enum GatewayErrorType : byte
{
    /// <summary>Not the gateway's answer (the integration's response), or no response.</summary>
    None,
    Default4xx,
    Default5xx,
    ResourceNotFound,
    RequestTooLarge,
    InvalidApiKey,
    Throttled,
    QuotaExceeded,
    IntegrationFailure,
    IntegrationTimeout,
    BadRequestBody,
    BadRequestParameters,
    Unauthorized,
    AccessDenied,
    MissingAuthenticationToken,
    AuthorizerFailure,
    AuthorizerConfigurationError,
    InvalidSignature,
    ExpiredToken,
    /// <summary>A SigV4 request without any signature (AWS answers it with the same type as a missing route).</summary>
    MissingAuthenticationTokenIam,
}

/// <summary>AWS's names and the status → type mapping of the gateway's own answers.</summary>
public static class GatewayErrorTypes
{
    private static readonly byte[][] Names =
    [
        [],
        "DEFAULT_4XX"u8.ToArray(),
        "DEFAULT_5XX"u8.ToArray(),
        "RESOURCE_NOT_FOUND"u8.ToArray(),
        "REQUEST_TOO_LARGE"u8.ToArray(),
        "INVALID_API_KEY"u8.ToArray(),
        "THROTTLED"u8.ToArray(),
        "QUOTA_EXCEEDED"u8.ToArray(),
        "INTEGRATION_FAILURE"u8.ToArray(),
        "INTEGRATION_TIMEOUT"u8.ToArray(),
        "BAD_REQUEST_BODY"u8.ToArray(),
        "BAD_REQUEST_PARAMETERS"u8.ToArray(),
        "UNAUTHORIZED"u8.ToArray(),
        "ACCESS_DENIED"u8.ToArray(),
        "MISSING_AUTHENTICATION_TOKEN"u8.ToArray(),
        "AUTHORIZER_FAILURE"u8.ToArray(),
        "AUTHORIZER_CONFIGURATION_ERROR"u8.ToArray(),
        "INVALID_SIGNATURE"u8.ToArray(),
        "EXPIRED_TOKEN"u8.ToArray(),
        "MISSING_AUTHENTICATION_TOKEN"u8.ToArray(),
    ];

    /// <summary>AWS's name of <paramref name="type"/> (UTF-8); empty for <see cref="GatewayErrorType.None"/>.</summary>
    public static ReadOnlySpan<byte> Name(GatewayErrorType type) => Names[(int)type];

    /// <summary>The type of a gateway answer with <paramref name="status"/> (the access step names its own refusals).</summary>
    public static GatewayErrorType ForStatus(int status) => status switch
    {
        401 => GatewayErrorType.Unauthorized,
        404 => GatewayErrorType.ResourceNotFound,
        413 => GatewayErrorType.RequestTooLarge,
        429 => GatewayErrorType.Throttled,
        502 => GatewayErrorType.IntegrationFailure,
        504 => GatewayErrorType.IntegrationTimeout,
        < 500 => GatewayErrorType.Default4xx,
        _ => GatewayErrorType.Default5xx,
    };
}
