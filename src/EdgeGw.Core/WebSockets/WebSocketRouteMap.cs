using System.IO.Hashing;

namespace EdgeGw.Core.WebSockets;

/// <summary>Route lookup by the raw bytes a message selected; no string is made for a message.</summary>
public sealed class WebSocketRouteMap
{
    private readonly WebSocketRouteModel?[] _slots;
    private readonly int _mask;

    public WebSocketRouteMap(IEnumerable<WebSocketRouteModel> routes)
    {
        var list = routes.ToList();
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, list.Count * 2));
        _slots = new WebSocketRouteModel?[size];
        _mask = size - 1;
        foreach (var route in list)
        {
            int slot = Slot(route.KeyBytes);
            while (_slots[slot] is not null)
            {
                slot = (slot + 1) & _mask;
            }

            _slots[slot] = route;
        }

        Count = list.Count;
    }

    public int Count { get; }

    public WebSocketRouteModel? Find(ReadOnlySpan<byte> key)
    {
        int slot = Slot(key);
        while (_slots[slot] is { } route)
        {
            if (key.SequenceEqual(route.KeyBytes))
            {
                return route;
            }

            slot = (slot + 1) & _mask;
        }

        return null;
    }

    private int Slot(ReadOnlySpan<byte> key) => (int)XxHash3.HashToUInt64(key) & _mask;
}
