using System.Buffers;
using System.Collections.Concurrent;

namespace EdgeGw.Transport;

/// <summary>
/// The transport's pipe memory: 4 KiB blocks on the pinned object heap, each with its own reusable owner, so a
/// pipe segment costs no allocation once warm (<see cref="MemoryPool{T}.Shared"/> allocates an owner per rent).
/// Keeps at most <see cref="MaxRetained"/> blocks; larger requests get a one-off array.
/// </summary>
public sealed class PinnedBlockPool : MemoryPool<byte>
{
    public const int BlockSize = 4096;
    private const int MaxRetained = 16 * 1024;

    private readonly ConcurrentQueue<Block> _blocks = new();
    private int _retained;

    public static PinnedBlockPool Instance { get; } = new();

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            return new Block(null, new byte[minBufferSize]);
        }

        if (_blocks.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _retained);
            return block;
        }

        return new Block(this, GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true));
    }

    protected override void Dispose(bool disposing)
    {
    }

    private void Return(Block block)
    {
        if (Interlocked.Increment(ref _retained) <= MaxRetained)
        {
            _blocks.Enqueue(block);
        }
        else
        {
            Interlocked.Decrement(ref _retained);
        }
    }

    private sealed class Block(PinnedBlockPool? pool, byte[] array) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = array;

        public void Dispose() => pool?.Return(this);
    }
}
