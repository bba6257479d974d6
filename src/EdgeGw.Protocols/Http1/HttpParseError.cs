namespace EdgeGw.Protocols.Http1;

/// <summary>
/// Why a message head or body was rejected. Expected outcomes of hostile or broken input are values, not
/// exceptions. <see cref="HttpParseErrors.ToStatusCode"/> maps each to the status a client receives.
/// </summary>
public enum HttpParseError : byte
{
    None = 0,
    /// <summary>A LF not preceded by CR, or a CR not followed by LF.</summary>
    BareLineFeed,
    BareCarriageReturn,
    InvalidRequestLine,
    InvalidMethod,
    InvalidRequestTarget,
    InvalidVersion,
    UnsupportedVersion,
    RequestLineTooLong,
    HeadersTooLarge,
    TooManyHeaders,
    InvalidHeaderName,
    /// <summary>Whitespace between the field name and the colon.</summary>
    WhitespaceBeforeColon,
    /// <summary>A header line starting with whitespace (obsolete line folding).</summary>
    ObsoleteLineFolding,
    InvalidHeaderValue,
    MissingHost,
    DuplicateHost,
    InvalidHost,
    InvalidContentLength,
    MultipleContentLength,
    InvalidTransferEncoding,
    UnsupportedTransferCoding,
    BothContentLengthAndTransferEncoding,
    TransferEncodingInHttp10,
    UnsupportedExpectation,
    MethodNotImplemented,
    InvalidChunkSize,
    InvalidChunkExtension,
    InvalidChunkTerminator,
    InvalidTrailer,
    TrailerTooLarge,
    InvalidStatusLine,
    InvalidStatusCode,
}
