using EdgeGw.Core.Model;
namespace EdgeGw.Core.Upstream;

/// <summary>
/// Sheds load from a failing cluster. Closed: requests pass and are counted in a fixed window; when at least
/// <c>minimumRequests</c> ran and the failure ratio reaches the threshold it opens. Open: requests are refused
/// (the gateway answers 503) for <c>openSeconds</c>. Then one probe request passes (half-open): success closes
/// the breaker, failure opens it again. Counting is lock-free (interlocked counters, CAS on the state).
/// </summary>
public sealed class CircuitBreaker
{
    private const int Closed = 0;
    private const int Open = 1;
    private const int HalfOpen = 2;

    private readonly CircuitBreakerSettings _settings;
    private readonly long _window;
    private readonly long _openFor;
    private int _state;
    private long _windowStart;
    private int _requests;
    private int _failures;
    private long _openUntil;
    private int _probing;
    private long _opened;

    public CircuitBreaker(CircuitBreakerSettings settings, long ticksPerSecond)
    {
        _settings = settings;
        _window = settings.WindowSeconds * ticksPerSecond;
        _openFor = settings.OpenSeconds * ticksPerSecond;
    }

    public bool IsOpen => Volatile.Read(ref _state) != Closed;

    /// <summary>Times the breaker opened.</summary>
    public long Openings => Interlocked.Read(ref _opened);

    /// <summary>Whether a request may go to the cluster now.</summary>
    public bool TryEnter(long now) => TryEnter(now, out _);

    /// <summary>
    /// Whether a request may go to the cluster now; <paramref name="probe"/> says it is the single probe of the
    /// half-open state, whose result (and only whose) decides between closing and opening again.
    /// </summary>
    public bool TryEnter(long now, out bool probe)
    {
        probe = false;
        switch (Volatile.Read(ref _state))
        {
            case Closed:
                return true;
            case Open:
                if (now < Volatile.Read(ref _openUntil))
                {
                    return false;
                }

                Interlocked.CompareExchange(ref _state, HalfOpen, Open);
                goto default;
            default:
                probe = Interlocked.CompareExchange(ref _probing, 1, 0) == 0;
                return probe;
        }
    }

    /// <summary>The outcome of a request admitted while closed (counted in the window; ignored once open or half-open).</summary>
    public void Record(bool success, long now) => Record(success, now, probe: false);

    /// <summary>
    /// The outcome of a request; <paramref name="probe"/> as <see cref="TryEnter(long, out bool)"/> said. In
    /// half-open state only the probe's outcome counts: a request let in before the breaker opened may end while
    /// the probe is out, and its result says nothing about the cluster now.
    /// </summary>
    public void Record(bool success, long now, bool probe)
    {
        if (Volatile.Read(ref _state) == HalfOpen)
        {
            if (probe && Volatile.Read(ref _probing) == 1)
            {
                if (success)
                {
                    ResetWindow(now);
                    Volatile.Write(ref _state, Closed);
                }
                else
                {
                    Trip(now);
                }

                Volatile.Write(ref _probing, 0);
            }

            return;
        }

        if (now - Volatile.Read(ref _windowStart) >= _window)
        {
            ResetWindow(now);
        }

        int requests = Interlocked.Increment(ref _requests);
        int failures = success ? Volatile.Read(ref _failures) : Interlocked.Increment(ref _failures);
        if (!success && requests >= _settings.MinimumRequests && failures >= _settings.FailureRatio * requests
            && Interlocked.CompareExchange(ref _state, Open, Closed) == Closed)
        {
            Volatile.Write(ref _openUntil, now + _openFor);
            Interlocked.Increment(ref _opened);
        }
    }

    /// <summary>A probe that ended without a verdict on the cluster (the client went away): let another probe in.</summary>
    public void ReleaseProbe() => ReleaseProbe(probe: true);

    /// <summary>As <see cref="ReleaseProbe()"/> for a request that may or may not have been the probe.</summary>
    public void ReleaseProbe(bool probe)
    {
        if (probe && Volatile.Read(ref _state) == HalfOpen)
        {
            Volatile.Write(ref _probing, 0);
        }
    }

    private void Trip(long now)
    {
        Volatile.Write(ref _openUntil, now + _openFor);
        Volatile.Write(ref _state, Open);
        Interlocked.Increment(ref _opened);
    }

    private void ResetWindow(long now)
    {
        Volatile.Write(ref _windowStart, now);
        Volatile.Write(ref _requests, 0);
        Volatile.Write(ref _failures, 0);
    }
}
