namespace EdgeGw.Protocols.Http1;

public static class HttpParseErrors
{
    /// <summary>The status a client gets for a request rejected for <paramref name="error"/>.</summary>
    public static int ToStatusCode(this HttpParseError error) => error switch
    {
        HttpParseError.None => 200,
        HttpParseError.RequestLineTooLong => 414,
        HttpParseError.HeadersTooLarge or HttpParseError.TooManyHeaders => 431,
        HttpParseError.UnsupportedVersion => 505,
        HttpParseError.UnsupportedTransferCoding or HttpParseError.MethodNotImplemented => 501,
        HttpParseError.UnsupportedExpectation => 417,
        _ => 400,
    };
}
