using System.Runtime.CompilerServices;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Runtime;

/// <summary>The request path's async builder: results, exceptions and reuse under many concurrent suspensions.</summary>
public sealed class PooledValueTaskMethodBuilderTests
{
    [Fact]
    public async Task ManyConcurrentSuspendedCalls_EachGetsItsOwnResult()
    {
        for (int round = 0; round < 3; round++)
        {
            var gates = Enumerable.Range(0, 512).Select(_ => new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
            var calls = gates.Select((gate, i) => AddAfter(gate.Task, i).AsTask()).ToArray();

            // Complete in reverse order so that boxes are recycled while others are still suspended.
            for (int i = gates.Length - 1; i >= 0; i--)
            {
                gates[i].SetResult(1000);
            }

            var results = await Task.WhenAll(calls);
            Assert.Equal(Enumerable.Range(0, 512).Select(i => i + 1000), results);
        }
    }

    [Fact]
    public async Task SynchronousCompletion_ReturnsTheResultWithoutSuspending()
    {
        Assert.Equal(7, await AddAfter(Task.FromResult(5), 2));
    }

    [Fact]
    public async Task Exceptions_ArePropagated_BeforeAndAfterSuspending()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Throw(Task.CompletedTask));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = Throw(gate.Task);
        gate.SetResult();
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await pending);

        // The box that carried the exception is reusable.
        Assert.Equal(3, await AddAfter(Task.Run(async () => { await Task.Yield(); return 1; }), 2));
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private static async ValueTask<int> AddAfter(Task<int> value, int add) => await value.ConfigureAwait(false) + add;

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private static async ValueTask<int> Throw(Task gate)
    {
        await gate.ConfigureAwait(false);
        throw new InvalidOperationException("expected");
    }
}
