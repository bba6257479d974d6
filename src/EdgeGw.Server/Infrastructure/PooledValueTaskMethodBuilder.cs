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
