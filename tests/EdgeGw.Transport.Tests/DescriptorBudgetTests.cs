namespace EdgeGw.Transport.Tests;

public sealed class DescriptorBudgetTests
{
    [Theory]
    // limit, open at start: the headroom is a quarter of what is free, clamped to [64, 256].
    [InlineData(1024, 160)]
    [InlineData(600, 170)]
    [InlineData(200, 166)]
    [InlineData(65536, 160)]
    [InlineData(1_048_576, 170)]
    [InlineData(100, 150)]
    public void Capacity_LeavesHeadroomAboveWhatIsOpen(long limit, long inUse)
    {
        var budget = DescriptorBudget.ForLimit(limit, inUse);

        long free = Math.Max(0, limit - inUse);
        long headroom = limit - inUse - budget.Capacity;
        Assert.Equal(limit, budget.Limit);
        Assert.True(budget.Capacity >= 1, "a budget always admits one connection");
        if (budget.Capacity > 1)
        {
            Assert.InRange(headroom, DescriptorBudget.MinHeadroom, DescriptorBudget.MaxHeadroom);
            Assert.True(headroom >= free / 4 || headroom == DescriptorBudget.MaxHeadroom, $"headroom {headroom} of {free} free");
        }
    }

    [Fact]
    public void TryAcquire_AdmitsExactlyCapacity_AndReleaseFreesOne()
    {
        var budget = DescriptorBudget.ForLimit(400, 100);
        long admitted = 0;
        while (budget.TryAcquire())
        {
            admitted++;
            Assert.True(admitted <= budget.Capacity, "admitted past the capacity");
        }

        Assert.Equal(budget.Capacity, admitted);
        Assert.Equal(budget.Capacity, budget.Used);
        Assert.False(budget.TryAcquire());
        Assert.Equal(budget.Capacity, budget.Used);

        budget.Release();

        Assert.True(budget.TryAcquire());
        Assert.False(budget.TryAcquire());
    }

    [Fact]
    public async Task WhenAvailable_IsPendingWhileSpent_AndCompletesOnRelease()
    {
        var budget = DescriptorBudget.ForLimit(300, 100);
        Assert.True(budget.WhenAvailable().IsCompleted, "a budget with room must not make a listener wait");
        while (budget.TryAcquire())
        {
        }

        var first = budget.WhenAvailable();
        var second = budget.WhenAvailable();
        Assert.False(first.IsCompleted);

        budget.Release();

        await first.WaitAsync(TimeSpan.FromSeconds(10));
        await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(budget.TryAcquire());
        Assert.False(budget.WhenAvailable().IsCompleted, "spent again: the next wait is for the next release");
    }

    [Fact]
    public async Task ARefusedAcquire_DoesNotWakeWaiters_WhileTheBudgetIsSpent()
    {
        var budget = DescriptorBudget.ForLimit(300, 100);
        while (budget.TryAcquire())
        {
        }

        var waiting = budget.WhenAvailable();

        // Another listener (or an upstream connect) tries and is refused: nothing was freed.
        Assert.False(budget.TryAcquire());
        Assert.False(waiting.IsCompleted, "a refused acquire woke a waiter on a spent budget");

        budget.Release();
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Unlimited_NeverRefuses()
    {
        var budget = DescriptorBudget.Unlimited();
        for (int i = 0; i < 10_000; i++)
        {
            Assert.True(budget.TryAcquire());
        }

        Assert.Equal(10_000, budget.Used);
        Assert.Equal(0, budget.Limit);
        Assert.True(budget.WhenAvailable().IsCompleted);
    }

    [Fact]
    public async Task ConcurrentAcquireAndRelease_NeverHoldMoreThanCapacity_AndWaitersAlwaysWake()
    {
        // Two connections for four threads: most acquisitions find the budget spent and wait.
        var budget = DescriptorBudget.ForLimit(100 + DescriptorBudget.MinHeadroom + 2, 100);
        long capacity = budget.Capacity;
        Assert.Equal(2, capacity);
        long held = 0;
        long maxHeld = 0;
        const int Threads = 4;
        const int Rounds = 20_000;

        // Dedicated threads: a blocking wait on pool threads would starve other tests' continuations.
        var workers = new Task[Threads];
        for (int t = 0; t < Threads; t++)
        {
            workers[t] = Task.Factory.StartNew(() =>
            {
                for (int i = 0; i < Rounds; i++)
                {
                    while (!budget.TryAcquire())
                    {
                        // A waiter must be woken by some release: never wait forever on a lost signal.
                        if (!budget.WhenAvailable().Wait(TimeSpan.FromSeconds(10)))
                        {
                            throw new TimeoutException("a waiter was never woken");
                        }
                    }

                    long now = Interlocked.Increment(ref held);
                    long seen;
                    while (now > (seen = Volatile.Read(ref maxHeld)) && Interlocked.CompareExchange(ref maxHeld, now, seen) != seen)
                    {
                    }

                    Interlocked.Decrement(ref held);
                    budget.Release();
                }
            }, TaskCreationOptions.LongRunning);
        }

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, budget.Used);
        Assert.InRange(maxHeld, 1, capacity);
    }
}
