namespace EdgeGw.Protocols.Http1;

/// <summary>
/// What the parser learned from a request head. Positions are offsets into the head span, so the head can be
/// re-sliced later without keeping spans alive.
/// </summary>
public struct RequestHead
{
    public HttpMethod Method;
    public HttpVersion Version;
    public TargetForm TargetForm;
    public BodyKind Body;
    public bool KeepAlive;
    public bool ExpectContinue;
    /// <summary>The Connection header names headers (other than close/keep-alive) that are hop-by-hop too.</summary>
    public bool HasConnectionOptions;
    public bool UpgradeRequested;
    public int HeaderCount;
    public int MethodLength;
    public int TargetOffset;
    public int TargetLength;
    /// <summary>The path of the target (for absolute-form, the part after the authority; "/" when empty).</summary>
    public int PathOffset;
    public int PathLength;
    /// <summary>The query including its leading '?'; length 0 when absent.</summary>
    public int QueryOffset;
    public int QueryLength;
    /// <summary>The authority the request is for: the absolute-form authority, else the Host header value.</summary>
    public int AuthorityOffset;
    public int AuthorityLength;
    public long ContentLength;

    public readonly ReadOnlySpan<byte> MethodToken(ReadOnlySpan<byte> head) => head.Slice(0, MethodLength);
    public readonly ReadOnlySpan<byte> Path(ReadOnlySpan<byte> head) =>
        PathLength == 0 ? "/"u8 : head.Slice(PathOffset, PathLength);
    public readonly ReadOnlySpan<byte> Query(ReadOnlySpan<byte> head) => head.Slice(QueryOffset, QueryLength);
    public readonly ReadOnlySpan<byte> Authority(ReadOnlySpan<byte> head) => head.Slice(AuthorityOffset, AuthorityLength);
}
