namespace EdgeGw.Protocols.Http1;

public enum BodyKind : byte
{
    None,
    ContentLength,
    Chunked,
    /// <summary>Responses only: the body runs until the connection closes.</summary>
    CloseDelimited,
}
