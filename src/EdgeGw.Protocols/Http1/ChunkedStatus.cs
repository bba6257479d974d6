namespace EdgeGw.Protocols.Http1;

public enum ChunkedStatus : byte
{
    /// <summary><c>data</c> holds body bytes; call again after consuming them.</summary>
    Data,
    NeedMoreData,
    /// <summary>The last chunk and the trailer section have been read.</summary>
    Complete,
    Error,
}
