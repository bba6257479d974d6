using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.UsagePlans;

/// <summary>Why a request was refused by the access step.</summary>
public enum AccessOutcome : byte
{
    Allowed,
    /// <summary>403 <c>{"message":"Forbidden"}</c>: key missing, unknown, disabled or without a plan for the stage.</summary>
    Forbidden,
    /// <summary>429 <c>{"message":"Too Many Requests"}</c>: a token bucket is empty.</summary>
    Throttled,
    /// <summary>429 <c>{"message":"Limit Exceeded"}</c>: the key's quota for the period is used up.</summary>
    QuotaExceeded,
    /// <summary>
    /// Global mode only, never a final answer: a shared lease is waiting for Redis (<see cref="Throttling.ThrottleDecision.Pending"/>);
    /// the access step awaits it (bounded) and checks again, then falls back to the fail mode.
    /// </summary>
    Pending,
}
