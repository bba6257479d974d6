using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeGw.Transport;

/// <summary>
/// One thread waiting on one epoll set, as an nginx worker does. Sockets are registered edge-triggered for input
/// and output once, for their lifetime; the loop hands each readiness edge to its handler on this thread, so
/// a receive happens only when the kernel has said there is something to receive.
/// <para>
/// Handlers are found by a token — slot index and generation — rather than by the descriptor, so an event for a
/// socket closed earlier in the same batch (or whose number was reused) is recognised as stale and dropped.
/// </para>
/// </summary>
internal sealed unsafe class EpollLoop
{
    private const int MaxEvents = 256;

    [ThreadStatic]
    private static EpollLoop? t_current;

    private readonly int _epoll;
    private readonly int _wakeFd;
    private readonly Lock _slotsGate = new();
    private readonly ConcurrentQueue<ILoopWork> _posted = new();
    private Slot[] _slots = [new Slot()];
    private readonly Stack<int> _freeSlots = new();
    private int _nextSlot = 1;
    private int _wakePending;
    private long _timestamp;

    public EpollLoop(int index)
    {
        _epoll = Native.EpollCreate(Native.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: errno {Native.LastError}");
        }

        _wakeFd = Native.EventFd(0, Native.EFD_CLOEXEC | Native.EFD_NONBLOCK);
        if (_wakeFd < 0)
        {
            throw new InvalidOperationException($"eventfd failed: errno {Native.LastError}");
        }

        // Slot 0 is the wake-up descriptor.
        Control(Native.EPOLL_CTL_ADD, _wakeFd, Native.EPOLLIN | Native.EPOLLET, 0);
        var thread = new Thread(Run) { IsBackground = true, Name = $"edgegw-io-{index}" };
        thread.UnsafeStart();
    }

    /// <summary>The loop whose thread is running the caller, if any.</summary>
    public static EpollLoop? Current => t_current;

    /// <summary>
    /// <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> as read when this loop's last <c>epoll_wait</c>
    /// returned: behind the clock by at most the time spent on one batch of events.
    /// </summary>
    public long Timestamp => _timestamp;

    /// <summary>Registers <paramref name="fd"/> and returns the token its events carry.</summary>
    public ulong Register(IEpollHandler handler, SafeHandle fd, uint events)
    {
        ulong token;
        lock (_slotsGate)
        {
            if (!_freeSlots.TryPop(out int index))
            {
                index = _nextSlot++;
                if (index >= _slots.Length)
                {
                    var grown = new Slot[Math.Max(64, _slots.Length * 2)];
                    Array.Copy(_slots, grown, _slots.Length);
                    for (int i = _slots.Length; i < grown.Length; i++)
                    {
                        grown[i] = new Slot();
                    }

                    Volatile.Write(ref _slots, grown);
                }
            }

            var slot = _slots[index];
            token = (ulong)slot.Generation << 32 | (uint)index;
            // The generation was bumped when the slot was freed, before this: a reader that sees the new handler
            // sees the new generation, so a stale token never reaches it.
            Volatile.Write(ref slot.Handler, handler);
        }

        bool added = false;
        fd.DangerousAddRef(ref added);
        try
        {
            Control(Native.EPOLL_CTL_ADD, (int)fd.DangerousGetHandle(), events, token);
        }
        catch
        {
            Unregister(token);
            throw;
        }
        finally
        {
            fd.DangerousRelease();
        }

        return token;
    }

    /// <summary>Frees the slot; events already queued for it are dropped. Closing the descriptor removes it from the set.</summary>
    public void Unregister(ulong token)
    {
        int index = (int)(uint)token;
        lock (_slotsGate)
        {
            var slot = _slots[index];
            if (slot.Generation != (uint)(token >> 32))
            {
                return;
            }

            Volatile.Write(ref slot.Generation, slot.Generation + 1);
            Volatile.Write(ref slot.Handler, null);
            _freeSlots.Push(index);
        }
    }

    /// <summary>Takes a descriptor that stays open out of the set, and frees its slot.</summary>
    public void Remove(SafeHandle fd, ulong token)
    {
        bool added = false;
        fd.DangerousAddRef(ref added);
        try
        {
            Native.EpollControl(_epoll, Native.EPOLL_CTL_DEL, fd.DangerousGetHandle(), null);
        }
        finally
        {
            fd.DangerousRelease();
        }

        Unregister(token);
    }

    /// <summary>Runs <paramref name="work"/> on this loop's thread.</summary>
    public void Post(ILoopWork work)
    {
        _posted.Enqueue(work);
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            ulong one = 1;
            Native.Write(_wakeFd, &one, sizeof(ulong));
        }
    }

    private void Control(int op, int fd, uint events, ulong token)
    {
        int result;
        if (Native.EpollEventSize == 12)
        {
            var ev = new Native.EpollEventPacked { Events = events, Data = token };
            result = Native.EpollControl(_epoll, op, fd, &ev);
        }
        else
        {
            var ev = new Native.EpollEventAligned { Events = events, Data = token };
            result = Native.EpollControl(_epoll, op, fd, &ev);
        }

        if (result != 0)
        {
            throw Native.Error(Native.LastError);
        }
    }

    private void Run()
    {
        t_current = this;
        int size = Native.EpollEventSize;
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * size));
        while (true)
        {
            int count = Native.EpollWait(_epoll, events, MaxEvents, -1);
            _timestamp = System.Diagnostics.Stopwatch.GetTimestamp();
            if (count < 0)
            {
                continue;
            }

            var slots = Volatile.Read(ref _slots);
            for (int i = 0; i < count; i++)
            {
                byte* ev = events + i * size;
                uint flags = *(uint*)ev;
                ulong token = size == 12 ? Unsafe.ReadUnaligned<ulong>(ev + 4) : *(ulong*)(ev + 8);
                if (token == 0)
                {
                    ulong drained;
                    Native.Read(_wakeFd, &drained, sizeof(ulong));
                    continue;
                }

                int index = (int)(uint)token;
                if (index >= slots.Length)
                {
                    slots = Volatile.Read(ref _slots);
                }

                var slot = slots[index];
                var handler = Volatile.Read(ref slot.Handler);
                if (handler is not null && Volatile.Read(ref slot.Generation) == (uint)(token >> 32))
                {
                    Dispatch(handler, flags);
                }
            }

            RunPosted();
        }
    }

    private void RunPosted()
    {
        if (Volatile.Read(ref _wakePending) == 0)
        {
            return;
        }

        Volatile.Write(ref _wakePending, 0);
        while (_posted.TryDequeue(out var work))
        {
            try
            {
                work.Execute();
            }
            catch (Exception e)
            {
                Environment.FailFast("EdgeGw transport: posted work threw.", e);
            }
        }
    }

    private static void Dispatch(IEpollHandler handler, uint flags)
    {
        try
        {
            handler.OnEvents(flags);
        }
        catch (Exception e)
        {
            // Handlers catch what a socket can throw; anything else is a bug that must not kill only this loop.
            Environment.FailFast("EdgeGw transport: an event handler threw.", e);
        }
    }

    private sealed class Slot
    {
        public IEpollHandler? Handler;
        public uint Generation;
    }
}
