using System.Collections.Concurrent;
using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.Observability;

namespace EdgeGw.Server.AccessLogging;

/// <summary>
/// One access log destination (<c>stdout</c> or a file opened for append): the request path formats each
/// record straight into its thread's current chunk (a lane: one per thread and sink, written by that thread
/// only, so no lock and no interlocked operation per line), and this sink's writer thread batches what the
/// lanes committed to the destination. Chunks come from a fixed pool (<see cref="ChunkCount"/> ×
/// <see cref="ChunkBytes"/>): when none is free because the writer fell behind (a slow disk, a pipe nobody
/// reads), the record is dropped and counted, and the request never waits.
/// </summary>
/// <remarks>
/// A chunk is single-producer single-consumer: its lane's thread appends whole lines and publishes
/// <see cref="Chunk.Committed"/> with a volatile write; the writer thread (the only one touching
/// <see cref="Chunk.Flushed"/>) writes out [Flushed, Committed) — of a lane's current chunk every pass, so an idle
/// gateway's lines still reach the file within <see cref="FlushInterval"/> — and recycles a chunk its lane
/// sealed once everything in it is written.
/// </remarks>
internal sealed class AccessLogSink : IDisposable
{
    /// <summary>16 KB: a few dozen JSON lines; each thread that logs holds one chunk at a time.</summary>
    public const int ChunkBytes = 16 * 1024;
    /// <summary>1 MB of lines in flight per destination, about 4,000 JSON preset lines: bursts of ~10 ms at 400k requests/s.</summary>
    public const int ChunkCount = 64;
    /// <summary>How long a committed line may wait for the writer when nothing fills a chunk.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(50);

    private static int s_nextId;
    [ThreadStatic]
    private static Lane?[]? t_lanes;

    private readonly ConcurrentQueue<Chunk> _free = new();
    private readonly ConcurrentQueue<Chunk> _sealed = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private readonly AccessLogCounters _counters;
    private readonly object _lanesLock = new();
    private volatile Lane[] _lanes = [];
    private volatile bool _reopen;
    private volatile bool _stopping;
    private volatile bool _closed;
    private Stream? _stream;
    private long _retiredAt;

    public AccessLogSink(string destination, AccessLogCounters counters)
    {
        Destination = destination;
        _counters = counters;
        Id = Interlocked.Increment(ref s_nextId) - 1;
        for (int i = 0; i < ChunkCount; i++)
        {
            _free.Enqueue(new Chunk());
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "edgegw access log" };
        _thread.Start();
    }

    public string Destination { get; }
    private int Id { get; }

    /// <summary>Formats <paramref name="record"/> into this thread's lane; drops and counts it when no buffer is free. Never blocks.</summary>
    public void Write(AccessLogTemplate template, in RequestRecord record)
    {
        if (_closed)
        {
            _counters.Drop();
            return;
        }

        var lane = CurrentLane();
        var chunk = lane.Current;
        int committed = chunk?.Committed ?? 0;
        int written = 0;
        if (chunk is null || !AccessLogFormatter.TryFormat(template, in record, chunk.Data.AsSpan(committed), out written))
        {
            if (chunk is not null)
            {
                Seal(lane, chunk);
            }

            chunk = _free.TryDequeue(out var free) ? free : null;
            Volatile.Write(ref lane.Current, chunk);
            committed = 0;
            if (chunk is null || !AccessLogFormatter.TryFormat(template, in record, chunk.Data, out written))
            {
                _counters.Drop();
                return;
            }
        }

        Volatile.Write(ref chunk.Committed, committed + written);
    }

    /// <summary>Closes and reopens the file (after logrotate moved it); stdout is left as it is.</summary>
    public void Reopen()
    {
        _reopen = true;
        _wake.Set();
    }

    /// <summary>No model writes here any more: lines still coming from requests in flight are written for a few seconds more, then the file is closed.</summary>
    public void Retire()
    {
        Interlocked.Exchange(ref _retiredAt, Environment.TickCount64);
        _wake.Set();
    }

    /// <summary>Writes what is buffered and closes (waits at most a second for a destination that blocks).</summary>
    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        _thread.Join(TimeSpan.FromSeconds(1));
    }

    private Lane CurrentLane()
    {
        var lanes = t_lanes;
        if (lanes is not null && Id < lanes.Length && lanes[Id] is { } lane)
        {
            return lane;
        }

        return AddLane();
    }

    /// <summary>The first line this thread writes here: a lane of its own (allocated once per thread and sink).</summary>
    private Lane AddLane()
    {
        var lanes = t_lanes;
        if (lanes is null || Id >= lanes.Length)
        {
            Array.Resize(ref lanes, Math.Max(Id + 1, (lanes?.Length ?? 4) * 2));
            t_lanes = lanes;
        }

        var lane = new Lane();
        lanes[Id] = lane;
        lock (_lanesLock)
        {
            _lanes = [.. _lanes, lane];
        }

        return lane;
    }

    private void Seal(Lane lane, Chunk chunk)
    {
        Volatile.Write(ref lane.Current, null);
        _sealed.Enqueue(chunk);
        _wake.Set();
    }

    private void Run()
    {
        while (true)
        {
            _wake.WaitOne(FlushInterval);
            bool stopping = _stopping || (Interlocked.Read(ref _retiredAt) is > 0 and var at && Environment.TickCount64 - at > 5000);
            if (stopping)
            {
                _closed = true;
            }

            if (_reopen)
            {
                _reopen = false;
                Close();
            }

            Drain();
            if (stopping)
            {
                Drain();
                Close();
                return;
            }
        }
    }

    /// <summary>Writes every sealed chunk (and recycles it), then what each lane committed since the last pass.</summary>
    private void Drain()
    {
        bool wrote = false;
        while (_sealed.TryDequeue(out var chunk))
        {
            wrote |= WriteOut(chunk);
            chunk.Flushed = 0;
            Volatile.Write(ref chunk.Committed, 0);
            _free.Enqueue(chunk);
        }

        foreach (var lane in _lanes)
        {
            if (Volatile.Read(ref lane.Current) is { } chunk)
            {
                wrote |= WriteOut(chunk);
            }
        }

        if (wrote)
        {
            try
            {
                _stream?.Flush();
            }
            catch (IOException)
            {
                Close();
            }
        }
    }

    private bool WriteOut(Chunk chunk)
    {
        int committed = Volatile.Read(ref chunk.Committed);
        if (committed <= chunk.Flushed)
        {
            return false;
        }

        var lines = chunk.Data.AsSpan(chunk.Flushed, committed - chunk.Flushed);
        chunk.Flushed = committed;
        int count = lines.Count((byte)'\n');
        var stream = Open();
        if (stream is null)
        {
            _counters.Drop(count);
            return false;
        }

        try
        {
            stream.Write(lines);
            _counters.Written(count);
            return true;
        }
        catch (IOException)
        {
            _counters.Drop(count);
            Close();
            return false;
        }
    }

    private Stream? Open()
    {
        if (_stream is not null)
        {
            return _stream;
        }

        try
        {
            _stream = Destination == AccessLogSettings.Stdout
                ? Console.OpenStandardOutput()
                : new FileStream(Destination, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 64 * 1024);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _stream = null;
        }

        return _stream;
    }

    private void Close()
    {
        try
        {
            if (Destination == AccessLogSettings.Stdout)
            {
                // Standard output is the process's, not ours to close (nor to reopen).
                _stream?.Flush();
                return;
            }

            _stream?.Dispose();
        }
        catch (IOException)
        {
        }

        _stream = null;
    }

    /// <summary>A thread's current chunk for one sink.</summary>
    private sealed class Lane
    {
        public Chunk? Current;
    }

    private sealed class Chunk
    {
        public readonly byte[] Data = new byte[ChunkBytes];
        /// <summary>Bytes of whole lines written by the lane's thread (published with a volatile write).</summary>
        public int Committed;
        /// <summary>Bytes the writer thread has written out (touched by it only).</summary>
        public int Flushed;
    }
}
