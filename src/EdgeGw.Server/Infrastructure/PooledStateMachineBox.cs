using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace EdgeGw.Server.Infrastructure;

/// <summary>The completion half of a pooled box: a reusable <see cref="IValueTaskSource{TResult}"/>.</summary>
internal abstract class PooledStateMachineBox<TResult> : IValueTaskSource<TResult>
{
    private ManualResetValueTaskSourceCore<TResult> _core;

    protected PooledStateMachineBox() => MoveNextAction = MoveNext;

    /// <summary>Cached once per box, so registering a continuation allocates nothing.</summary>
    public Action MoveNextAction { get; }

    public short Version => _core.Version;

    public void SetResult(TResult result) => _core.SetResult(result);

    public void SetException(Exception exception) => _core.SetException(exception);

    public TResult GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            Recycle();
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    protected abstract void MoveNext();

    protected abstract void Recycle();
}

internal sealed class PooledStateMachineBox<TResult, TStateMachine> : PooledStateMachineBox<TResult>
    where TStateMachine : IAsyncStateMachine
{
    /// <summary>Boxes kept per method: enough for this many suspended calls at once without allocating; bounded memory.</summary>
    private const int Capacity = 4096;

    private static readonly ConcurrentQueue<PooledStateMachineBox<TResult, TStateMachine>> Pool = new();
    private static int s_pooled;

    public TStateMachine StateMachine = default!;

    public static PooledStateMachineBox<TResult, TStateMachine> Rent()
    {
        if (Pool.TryDequeue(out var box))
        {
            Interlocked.Decrement(ref s_pooled);
            return box;
        }

        return new PooledStateMachineBox<TResult, TStateMachine>();
    }

    protected override void MoveNext() => StateMachine.MoveNext();

    protected override void Recycle()
    {
        // Drop references the finished state machine held (buffers, connections) before pooling the box.
        StateMachine = default!;
        if (Interlocked.Increment(ref s_pooled) <= Capacity)
        {
            Pool.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
        }
    }
}
