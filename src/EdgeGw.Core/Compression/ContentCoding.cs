namespace EdgeGw.Core.Compression;

/// <summary>The content coding of a response the gateway compresses (<see cref="Identity"/>: sent as is).</summary>
public enum ContentCoding : byte
{
    Identity = 0,
    Gzip,
    Brotli,
}
