namespace EdgeGw.Protocols.Http1;

/// <summary>What the parser learned from a response head; positions are offsets into the head span.</summary>
public struct ResponseHead
{
    public int StatusCode;
    public HttpVersion Version;
    public BodyKind Body;
    public long ContentLength;
    /// <summary>The upstream allows the connection to be reused after this response.</summary>
    public bool KeepAlive;
    public bool HasConnectionOptions;
    public int HeaderCount;
    public int ReasonOffset;
    public int ReasonLength;

    public readonly bool IsInformational => StatusCode is >= 100 and < 200;
}
