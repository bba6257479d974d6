using System.Runtime.CompilerServices;
using EdgeGw.Core.Model;

namespace EdgeGw.Core.Upstream;

/// <summary>
/// The destinations one request has tried, in order, so that a retry goes to one it has not tried yet. A value
/// type on the caller's frame (or async state machine): bookkeeping for a retry allocates nothing.
/// </summary>
public struct DestinationAttempts
{
    /// <summary>The first try and every retry <see cref="ClusterModel.MaxRetries"/> allows.</summary>
    public const int Capacity = ClusterModel.MaxRetries + 1;

    private TriedBuffer _tried;
    private int _count;

    public DestinationAttempts(DestinationState first)
    {
        _tried[0] = first;
        _count = 1;
    }

    /// <summary>Destinations tried so far.</summary>
    public readonly int Count => _count;

    /// <summary>Tries after the first.</summary>
    public readonly int Retries => _count == 0 ? 0 : _count - 1;

    public readonly bool IsFull => _count == Capacity;

    public readonly bool Contains(DestinationState destination)
    {
        for (int i = 0; i < _count; i++)
        {
            if (ReferenceEquals(_tried[i], destination))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Records a try; false (and nothing recorded) when it was tried already or the record is full.</summary>
    public bool Add(DestinationState destination)
    {
        if (_count == Capacity || Contains(destination))
        {
            return false;
        }

        _tried[_count++] = destination;
        return true;
    }

    [InlineArray(Capacity)]
    private struct TriedBuffer
    {
        private DestinationState? _element0;
    }
}
