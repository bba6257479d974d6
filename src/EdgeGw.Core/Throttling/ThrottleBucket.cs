namespace EdgeGw.Core.Throttling;

/// <summary>One shared bucket (gateway, stage or route level).</summary>
public sealed class ThrottleBucket
{
    private long _tat;

    public ThrottleBucket(ThrottleRate rate, GlobalLease? global = null)
    {
        Rate = rate;
        Global = global;
    }

    public ThrottleRate Rate { get; }

    /// <summary>In global mode, the tokens leased from Redis replace the local TAT.</summary>
    public GlobalLease? Global { get; }

    public bool TryTake(long now, out ThrottleDecision decision) =>
        Global is { } global ? global.TryTake(now, out decision) : Gcra.TryTake(ref _tat, Rate, now, out decision);
}
