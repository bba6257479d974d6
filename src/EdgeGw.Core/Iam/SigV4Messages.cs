using System.Text;
using EdgeGw.Core.Observability;

namespace EdgeGw.Core.Iam;

/// <summary>
/// What a refused SigV4 request is told: AWS's own message texts where AWS has one (403 <c>{"message":"..."}</c>),
/// the gateway response type and the <c>x-amzn-ErrorType</c> header AWS sends with it. The texts are JSON-safe
/// as they are: the few that quote the request (dates, a region) quote only bytes checked to be safe.
/// </summary>
public static class SigV4Messages
{
    public static readonly byte[] MissingAuthenticationToken = "Missing Authentication Token"u8.ToArray();
    public static readonly byte[] InvalidToken = "The security token included in the request is invalid."u8.ToArray();
    public static readonly byte[] SignatureMismatch =
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."u8.ToArray();

    private static readonly byte[] IncompleteHeader =
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."u8.ToArray();
    private static readonly byte[] IncompleteQuery =
        "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders' and 'X-Amz-Expires' (1 to 604800 seconds). Re-examine the query-string parameters."u8.ToArray();
    private static readonly byte[] UnsupportedAlgorithm = "Only the AWS4-HMAC-SHA256 signing algorithm is supported."u8.ToArray();
    private static readonly byte[] MalformedCredential = "Credential should be scoped correctly: <access key>/<YYYYMMDD>/<region>/<service>/aws4_request."u8.ToArray();
    private static readonly byte[] MissingDate = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."u8.ToArray();
    private static readonly byte[] HostNotSigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."u8.ToArray();
    private static readonly byte[] WrongRegion = "Credential should be scoped to a valid region."u8.ToArray();
    private static readonly byte[] WrongTerminator = "Credential should be scoped with a valid terminator: 'aws4_request'."u8.ToArray();
    private static readonly byte[] ScopeDateMismatch = "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP."u8.ToArray();
    private static readonly byte[] PresignedExpired = "Request has expired"u8.ToArray();
    private static readonly byte[] PayloadHashMismatch = "The provided 'x-amz-content-sha256' header does not match what was computed."u8.ToArray();
    private static readonly byte[] InvalidPayloadHash = "x-amz-content-sha256 must be the hex SHA-256 of the payload or UNSIGNED-PAYLOAD."u8.ToArray();
    private static readonly byte[] StreamingPayload =
        "Streaming (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) payloads are not supported: sign the body's SHA-256 in x-amz-content-sha256, or UNSIGNED-PAYLOAD."u8.ToArray();
    private static readonly byte[] BodyNotHashable = Encoding.ASCII.GetBytes(
        $"The gateway hashes request bodies of at most {SigV4Verifier.MaxHashedBodyBytes} bytes sent with Content-Length: sign a larger or chunked body with x-amz-content-sha256: UNSIGNED-PAYLOAD.");

    private static readonly byte[] MissingTokenType = "x-amzn-ErrorType: MissingAuthenticationTokenException\r\n"u8.ToArray();
    private static readonly byte[] IncompleteType = "x-amzn-ErrorType: IncompleteSignatureException\r\n"u8.ToArray();
    private static readonly byte[] InvalidSignatureType = "x-amzn-ErrorType: InvalidSignatureException\r\n"u8.ToArray();
    private static readonly byte[] UnrecognizedClientType = "x-amzn-ErrorType: UnrecognizedClientException\r\n"u8.ToArray();
    private static readonly byte[] AccessDeniedType = "x-amzn-ErrorType: AccessDeniedException\r\n"u8.ToArray();

    /// <summary>The gateway response type of a refusal (<c>$context.error.responseType</c>, <c>gatewayResponses</c>).</summary>
    public static GatewayErrorType ErrorType(SigV4Status status) => status switch
    {
        SigV4Status.Missing => GatewayErrorType.MissingAuthenticationTokenIam,
        SigV4Status.Expired or SigV4Status.NotYetCurrent or SigV4Status.PresignedExpired => GatewayErrorType.ExpiredToken,
        SigV4Status.StreamingPayload or SigV4Status.BodyNotHashable => GatewayErrorType.AccessDenied,
        _ => GatewayErrorType.InvalidSignature,
    };

    /// <summary>The <c>x-amzn-ErrorType</c> header line AWS sends with a refusal.</summary>
    public static ReadOnlySpan<byte> ErrorTypeHeader(SigV4Status status) => status switch
    {
        SigV4Status.Missing => MissingTokenType,
        SigV4Status.IncompleteHeader or SigV4Status.IncompleteQuery or SigV4Status.MissingDate or SigV4Status.HostNotSigned
            or SigV4Status.MalformedCredential or SigV4Status.UnsupportedAlgorithm => IncompleteType,
        SigV4Status.UnknownAccessKey => UnrecognizedClientType,
        SigV4Status.StreamingPayload or SigV4Status.BodyNotHashable => AccessDeniedType,
        _ => InvalidSignatureType,
    };

    /// <summary>The fixed message of <paramref name="status"/>; the verifier formats the ones that quote the request.</summary>
    public static byte[] For(SigV4Status status) => status switch
    {
        SigV4Status.Missing => MissingAuthenticationToken,
        SigV4Status.IncompleteHeader => IncompleteHeader,
        SigV4Status.IncompleteQuery => IncompleteQuery,
        SigV4Status.UnsupportedAlgorithm => UnsupportedAlgorithm,
        SigV4Status.MalformedCredential => MalformedCredential,
        SigV4Status.MissingDate => MissingDate,
        SigV4Status.HostNotSigned => HostNotSigned,
        SigV4Status.WrongRegion => WrongRegion,
        SigV4Status.WrongTerminator => WrongTerminator,
        SigV4Status.ScopeDateMismatch => ScopeDateMismatch,
        SigV4Status.UnknownAccessKey => InvalidToken,
        SigV4Status.PresignedExpired => PresignedExpired,
        SigV4Status.PayloadHashMismatch => PayloadHashMismatch,
        SigV4Status.InvalidPayloadHash => InvalidPayloadHash,
        SigV4Status.StreamingPayload => StreamingPayload,
        SigV4Status.BodyNotHashable => BodyNotHashable,
        _ => SignatureMismatch,
    };
}
