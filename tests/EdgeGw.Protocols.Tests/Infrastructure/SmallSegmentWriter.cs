using System.Buffers;

namespace EdgeGw.Protocols.Tests.Infrastructure;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that hands out fresh segments of <c>segmentSize</c> bytes (more only when a
/// size hint asks for it), filled with 0xEE so that uncommitted or skipped bytes show, and keeps what was
/// committed and every call made, so a test sees exactly what reached the output.
/// </summary>
internal sealed class SmallSegmentWriter(int segmentSize) : IBufferWriter<byte>
{
    private readonly List<byte> _committed = [];
    private byte[]? _current;

    public byte[] Committed => [.. _committed];
    public List<int> Advances { get; } = [];
    public List<int> SizeHints { get; } = [];

    public void Advance(int count)
    {
        if (_current is null || count < 0 || count > _current.Length)
        {
            throw new InvalidOperationException($"Advance({count}) past the {_current?.Length ?? 0} bytes handed out");
        }

        _committed.AddRange(_current.AsSpan(0, count));
        Advances.Add(count);
        _current = null;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        SizeHints.Add(sizeHint);
        _current = new byte[Math.Max(segmentSize, sizeHint)];
        _current.AsSpan().Fill(0xEE);
        return _current;
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
}
