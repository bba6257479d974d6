namespace EdgeGw.Protocols.Http1;

/// <summary>What <see cref="BodyFramer.Frame{TWriter}"/> made of the bytes it was given.</summary>
public enum BodyFrameStatus : byte
{
    /// <summary>The body goes on: read more and call again.</summary>
    NeedMoreData,
    /// <summary>The body ended; bytes after the consumed position belong to the next message.</summary>
    Complete,
    /// <summary>More body data than the framer's limit.</summary>
    TooLarge,
    /// <summary>Malformed chunked framing.</summary>
    Invalid,
    /// <summary>The input ended before the body did.</summary>
    Truncated,
}
