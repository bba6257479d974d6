using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace EdgeGw.Server.Infrastructure;

/// <summary>
/// An async method builder for <see cref="ValueTask{TResult}"/> whose state-machine boxes are pooled per method
/// with room for thousands of concurrent calls. The framework's <see cref="PoolingAsyncValueTaskMethodBuilder{TResult}"/>
/// keeps one box per thread and one per core, so with hundreds of connections suspended in the same method almost
/// every suspension allocated a box (about 550 bytes per proxied request, measured). Here a box goes back to its
/// pool when its result is read and the next suspension reuses it.
/// </summary>
/// <remarks>
/// Like any pooled <see cref="IValueTaskSource{TResult}"/>, the returned task may be awaited once. The builder does
/// not flow <see cref="ExecutionContext"/> across awaits: nothing on the request path uses <c>AsyncLocal</c>.
/// </remarks>
internal struct PooledValueTaskMethodBuilder<TResult>
{
    private PooledStateMachineBox<TResult>? _box;
    private TResult? _result;
    private Exception? _exception;

    public static PooledValueTaskMethodBuilder<TResult> Create() => default;

    public ValueTask<TResult> Task =>
        _box is not null ? new ValueTask<TResult>(_box, _box.Version)
        : _exception is not null ? ValueTask.FromException<TResult>(_exception)
        : new ValueTask<TResult>(_result!);

#pragma warning disable CA1822 // The compiler binds builder members as instance methods.
    // The framework's Start saves and restores the caller's ExecutionContext and SynchronizationContext; it does
    // not touch the builder, so borrowing it keeps those semantics exact.
    public void Start<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine =>
        default(AsyncValueTaskMethodBuilder<TResult>).Start(ref stateMachine);

    public void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }
#pragma warning restore CA1822

    public void SetResult(TResult result)
    {
        if (_box is null)
        {
            _result = result;
        }
        else
        {
            _box.SetResult(result);
        }
    }

    public void SetException(Exception exception)
    {
        if (_box is null)
        {
            _exception = exception;
        }
        else
        {
            _box.SetException(exception);
        }
    }

    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion
        where TStateMachine : IAsyncStateMachine =>
        awaiter.OnCompleted(Box(ref stateMachine).MoveNextAction);

    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion
        where TStateMachine : IAsyncStateMachine =>
        awaiter.UnsafeOnCompleted(Box(ref stateMachine).MoveNextAction);

    private PooledStateMachineBox<TResult> Box<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
    {
        if (_box is not null)
        {
            return _box;
        }

        var box = PooledStateMachineBox<TResult, TStateMachine>.Rent();
        // Set before the copy: the builder inside the boxed copy must already point at its box.
        _box = box;
        box.StateMachine = stateMachine;
        return box;
    }
}

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
