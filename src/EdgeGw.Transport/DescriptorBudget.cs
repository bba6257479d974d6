namespace EdgeGw.Transport;

/// <summary>
/// How many connections (client and upstream) the process may hold open at once, so that it never runs out of
/// file descriptors. Out of descriptors, the .NET runtime itself fails: a thread it starts cannot open its pipe
/// and the process aborts with "Out of memory." (seen with both transports). So connections stop short of the
/// limit: the listeners stop accepting (clients wait in the kernel's backlog) and new upstream connects fail
/// with 503, while descriptors remain for the runtime, assemblies it loads later, logs, Redis and DNS.
/// </summary>
public sealed class DescriptorBudget
{
    /// <summary>
    /// Descriptors kept back beyond those open when the budget is measured: a quarter of the rest, at least
    /// <see cref="MinHeadroom"/> and at most this many. Measured after start, a process has opened some 25 more
    /// by the time it serves (Kestrel's socket engine, assemblies loaded on first use), and the admin API's
    /// connections, Redis, DNS and the state file come out of it too.
    /// </summary>
    public const int MaxHeadroom = 256;

    /// <summary>The least headroom kept, however low the limit.</summary>
    public const int MinHeadroom = 64;

    private static DescriptorBudget? s_process;

    private long _used;
    private TaskCompletionSource? _freed;

    private DescriptorBudget(long limit, long capacity)
    {
        Limit = limit;
        Capacity = capacity;
    }

    /// <summary>The budget under a soft limit of <paramref name="limit"/> with <paramref name="inUseAtStart"/> already open.</summary>
    internal static DescriptorBudget ForLimit(long limit, long inUseAtStart)
    {
        long free = Math.Max(0, limit - inUseAtStart);
        return new DescriptorBudget(limit, Math.Max(1, free - Math.Clamp(free / 4, MinHeadroom, MaxHeadroom)));
    }

    /// <summary>A budget that counts and never refuses: no limit is known (connections are then bounded by configuration alone).</summary>
    public static DescriptorBudget Unlimited() => new(0, long.MaxValue);

    /// <summary>
    /// The process's budget, measured on first use from RLIMIT_NOFILE and the descriptors then open; unlimited
    /// where the limit cannot be read (not Linux).
    /// </summary>
    public static DescriptorBudget Process
    {
        get
        {
            var budget = Volatile.Read(ref s_process);
            if (budget is null)
            {
                Interlocked.CompareExchange(ref s_process, Measure(), null);
                budget = s_process;
            }

            return budget!;
        }
    }

    /// <summary>The soft descriptor limit read at start (0: unknown).</summary>
    public long Limit { get; }

    /// <summary>Connections that may be open at once.</summary>
    public long Capacity { get; }

    /// <summary>Connections open now.</summary>
    public long Used => Volatile.Read(ref _used);

    /// <summary>Takes one connection's descriptor; false when the budget is spent.</summary>
    public bool TryAcquire()
    {
        if (Interlocked.Increment(ref _used) <= Capacity)
        {
            return true;
        }

        Decrement();
        return false;
    }

    /// <summary>Gives back what <see cref="TryAcquire"/> took, once the descriptor is closed.</summary>
    public void Release() => Decrement();

    /// <summary>
    /// Waiters wake only when the count falls below the capacity: a refused <see cref="TryAcquire"/> undoing its
    /// increment on a spent budget must not wake them (two listeners would wake each other for ever), while one
    /// whose transient increment hid a real release from a waiter wakes it here.
    /// </summary>
    private void Decrement()
    {
        if (Interlocked.Decrement(ref _used) >= Capacity)
        {
            return;
        }

        var freed = Volatile.Read(ref _freed);
        if (freed is not null && Interlocked.CompareExchange(ref _freed, null, freed) == freed)
        {
            freed.TrySetResult();
        }
    }

    /// <summary>Completes when a descriptor may be free: at once if one is, else at the next release.</summary>
    public Task WhenAvailable()
    {
        var freed = Volatile.Read(ref _freed);
        if (freed is null)
        {
            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            freed = Interlocked.CompareExchange(ref _freed, created, null) ?? created;
        }

        // Published before the count is read: a release either sees the waiter or its decrement is seen here.
        return Volatile.Read(ref _used) < Capacity ? Task.CompletedTask : freed.Task;
    }

    /// <summary>
    /// Raises the soft descriptor limit to the hard one (as Go's runtime does at start): the soft default of
    /// 1024 is far below what a gateway holding keep-alive connections needs. Returns the limits before and
    /// after, or null where they cannot be read.
    /// </summary>
    public static unsafe (ulong Before, ulong After)? RaiseSoftLimit()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Native.ResourceLimit limit;
        if (Native.GetResourceLimit(Native.RLIMIT_NOFILE, &limit) != 0)
        {
            return null;
        }

        ulong before = limit.Current;
        if (limit.Current < limit.Maximum)
        {
            limit.Current = limit.Maximum;
            if (Native.SetResourceLimit(Native.RLIMIT_NOFILE, &limit) != 0)
            {
                return (before, before);
            }
        }

        return (before, limit.Current);
    }

    private static unsafe DescriptorBudget Measure()
    {
        Native.ResourceLimit limit = default;
        if (!OperatingSystem.IsLinux() || Native.GetResourceLimit(Native.RLIMIT_NOFILE, &limit) != 0 || limit.Current >= long.MaxValue)
        {
            return Unlimited();
        }

        long inUse = 0;
        try
        {
            foreach (var _ in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                inUse++;
            }
        }
        catch (IOException)
        {
            // Unreadable /proc: count none; the headroom still applies.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return ForLimit((long)limit.Current, inUse);
    }
}
