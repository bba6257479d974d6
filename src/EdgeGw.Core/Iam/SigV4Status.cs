namespace EdgeGw.Core.Iam;

/// <summary>The outcome of verifying a request's AWS Signature Version 4 (see <see cref="SigV4Messages"/> for AWS's texts).</summary>
public enum SigV4Status : byte
{
    Verified,
    /// <summary>No Authorization header and no <c>X-Amz-Algorithm</c> query parameter.</summary>
    Missing,
    /// <summary>An Authorization header lacking Credential, SignedHeaders or Signature (or not of the form <c>k=v, ...</c>).</summary>
    IncompleteHeader,
    /// <summary>A presigned URL lacking one of its <c>X-Amz-*</c> parameters, or with a bad <c>X-Amz-Expires</c>.</summary>
    IncompleteQuery,
    UnsupportedAlgorithm,
    /// <summary>The Credential is not <c>key/YYYYMMDD/region/service/aws4_request</c>.</summary>
    MalformedCredential,
    MissingDate,
    /// <summary><c>host</c> is not among the signed headers.</summary>
    HostNotSigned,
    WrongRegion,
    WrongService,
    WrongTerminator,
    ScopeDateMismatch,
    UnknownAccessKey,
    /// <summary>Older than five minutes (header form).</summary>
    Expired,
    /// <summary>More than five minutes in the future.</summary>
    NotYetCurrent,
    /// <summary>A presigned URL past its <c>X-Amz-Expires</c>.</summary>
    PresignedExpired,
    SignatureMismatch,
    /// <summary>The body's SHA-256 is not the <c>x-amz-content-sha256</c> the client signed.</summary>
    PayloadHashMismatch,
    /// <summary><c>x-amz-content-sha256</c> is neither 64 lower-case hex digits nor <c>UNSIGNED-PAYLOAD</c>.</summary>
    InvalidPayloadHash,
    /// <summary>A <c>STREAMING-*</c> (chunk-signed) payload: refused.</summary>
    StreamingPayload,
    /// <summary>A body the gateway would have to hash that is chunked or larger than <see cref="SigV4Verifier.MaxHashedBodyBytes"/>.</summary>
    BodyNotHashable,
}

/// <summary>How the payload hash of the canonical request is known, after <see cref="SigV4Verifier.Begin"/>.</summary>
public enum SigV4Payload : byte
{
    /// <summary>No <c>x-amz-content-sha256</c>: the canonical request carries the SHA-256 of the body (of nothing, without a body).</summary>
    Computed,
    /// <summary><c>x-amz-content-sha256</c> gives the hash: the body must have it.</summary>
    Claimed,
    /// <summary><c>UNSIGNED-PAYLOAD</c>: the body is not covered by the signature.</summary>
    Unsigned,
}
