namespace EdgeGw.Conformance.Tests.Infrastructure;

/// <summary>
/// Every place where the gateway knowingly differs from a corpus, each with its reason. A case that differs
/// without being listed here fails.
/// </summary>
internal static class Deviations
{
    private const string NotHttp11 = "not HTTP/1.x (RTSP/ICE/HTTP 0.9): a gateway speaks HTTP/1.0 and 1.1 only";
    private const string TargetSyntax = "request-target outside RFC 3986 syntax (raw space, fragment, non-ASCII, userinfo or delimiters that must be percent-encoded); an intermediary that repaired it could disagree with the upstream about the path";
    private const string FieldSyntax = "RFC 9112 §5.1 / RFC 9110 §5.5: whitespace before the colon or a control character in a field is a 400, whichever field it is in";
    private const string CloseDelimited = "a response body that only the connection close can delimit (transfer coding other than a final chunked) is not relayed: the gateway answers 502";
    private const string TransferCodings = "RFC 9112 §6.1: a transfer coding the gateway does not implement (gzip, identity, parameters) is a 501; it re-chunks bodies, so it cannot pass codings through";

    /// <summary>llhttp cases about its callback API rather than the wire.</summary>
    public static readonly Dictionary<string, string> LlhttpExcluded = new(StringComparer.Ordinal)
    {
        ["response/finish.md :: It should be safe to finish with cb after empty response"] = "llhttp's finish() callback semantics: its log has no message-complete event to compare",
    };

    /// <summary>llhttp rejects these; the gateway accepts them on purpose.</summary>
    public static readonly Dictionary<string, string> LlhttpLaxer = new(StringComparer.Ordinal)
    {
        ["request/invalid.md :: HTTP protocol and ANNOUNCE method"] = "RFC 9110 §9.1: a method is any token; the gateway routes methods it does not know to ANY routes",
        ["request/invalid.md :: Invalid method"] = "RFC 9110 §9.1: a method is any token; the gateway routes methods it does not know to ANY routes",
    };

    /// <summary>llhttp accepts these; the gateway rejects them on purpose.</summary>
    public static readonly Dictionary<string, string> LlhttpStricter = new(StringComparer.Ordinal)
    {
        ["request/method.md :: M-SEARCH request"] = "RFC 9112 §3.2.4: asterisk-form is only for OPTIONS",
        ["request/method.md :: SOURCE request with ICE"] = NotHttp11,
        ["request/method.md :: OPTIONS request with RTSP"] = NotHttp11,
        ["request/method.md :: ANNOUNCE request with RTSP"] = NotHttp11,
        ["request/sample.md :: No HTTP version"] = NotHttp11,
        ["response/sample.md :: RTSP response"] = NotHttp11,
        ["response/sample.md :: ICE response"] = NotHttp11,
        ["response/sample.md :: HTTP version 0.9"] = NotHttp11,
        ["request/transfer-encoding.md :: POST with `chunked` as last transfer-encoding"] = TransferCodings,
        ["request/transfer-encoding.md :: POST with `chunked` as last transfer-encoding (multiple headers)"] = TransferCodings,
        ["request/uri.md :: Fragment in URI"] = TargetSyntax,
        ["request/uri.md :: `host:port` and basic auth"] = TargetSyntax,
        ["response/transfer-encoding.md :: `chunked` before other transfer-encoding"] = CloseDelimited,
        ["response/transfer-encoding.md :: multiple transfer-encoding where chunked is not the last one"] = CloseDelimited,
        ["response/transfer-encoding.md :: `chunkedchunked` transfer-encoding does not enable chunked enconding"] = CloseDelimited,
    };

    /// <summary>desync-guardian rates these Compliant/Acceptable; the gateway rejects them on purpose.</summary>
    public static readonly Dictionary<string, string> DesyncStricter = new(StringComparer.Ordinal)
    {
        ["acceptable.yaml :: No TE/CL headers, some others are non-compliant"] = FieldSyntax,
        ["acceptable.yaml :: TE and some others are non-compliant"] = FieldSyntax,
        ["acceptable.yaml :: CL and some others are non-compliant"] = FieldSyntax,
        ["acceptable.yaml :: A non-essential header with a non-printable character (x01)"] = FieldSyntax,
        ["bad-header-characters.yaml :: Some-Header\\x01"] = FieldSyntax,
        ["bad-header-characters.yaml :: \\x01Some-Header"] = FieldSyntax,
        ["bad-header-characters.yaml :: Some-Header: \\x01value"] = FieldSyntax,
        ["bad-header-characters.yaml :: Some-Header: value\\x01"] = FieldSyntax,
        ["acceptable.yaml :: Non-RFC, but OK HTTP/0.9"] = NotHttp11,
        ["acceptable.yaml :: Empty version, which means HTTP/0.9"] = NotHttp11,
        ["more-compliant-tests.yaml :: Correct TE OK"] = TransferCodings,
        ["more-compliant-tests.yaml :: Transfer-Encoding: identity and chunked OK"] = TransferCodings,
        ["more-compliant-tests.yaml :: Multiple transfer encoding headers in a single request OK"] = TransferCodings,
        ["more-compliant-tests.yaml :: TE with custom parameters OK"] = TransferCodings,
        ["rfc-compliant.yaml :: Different Transfer-Encoding headers"] = TransferCodings,
        ["rfc-compliant.yaml :: Different Transfer-Encoding headers combined"] = TransferCodings,
        ["rfc-compliant.yaml :: Transfer-Encoding with a param: chunked;custom_param"] = TransferCodings,
        ["rfc-compliant.yaml :: Compliant URL"] = TargetSyntax,
        ["rfc-compliant.yaml :: International in URI"] = TargetSyntax,
        ["rfc-compliant.yaml :: Empty URI"] = TargetSyntax,
        ["uri-specific-test-cases.yaml :: Extra spaces in version"] = "RFC 9112 §3: exactly one SP separates the request-line parts",
        ["uri-specific-test-cases.yaml :: [space] in URI"] = TargetSyntax,
    };
}
