namespace EdgeGw.Core.Model;

public enum UriTemplatePartKind : byte
{
    Literal,
    /// <summary>Raw bytes of a path capture (a <c>{param}</c> or the greedy <c>{proxy}</c>).</summary>
    Capture,
}
