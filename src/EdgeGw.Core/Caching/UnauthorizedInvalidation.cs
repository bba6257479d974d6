namespace EdgeGw.Core.Caching;

/// <summary>What a caller without the invalidate permission gets when it sends <c>Cache-Control: max-age=0</c>.</summary>
public enum UnauthorizedInvalidation : byte
{
    /// <summary>Answer 403 (AWS: FAIL_WITH_403).</summary>
    Fail,
    /// <summary>Serve as if the header were absent and say so in a <c>Warning</c> header (AWS: SUCCEED_WITH_RESPONSE_HEADER).</summary>
    IgnoreWithHeader,
    /// <summary>Serve as if the header were absent (AWS: SUCCEED_WITHOUT_RESPONSE_HEADER).</summary>
    Ignore,
}
