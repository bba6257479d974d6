using System.Text;

namespace EdgeGw.Core.Routing;

/// <summary>Sorted byte-string keys searched without allocating.</summary>
internal static class Literals
{
    public static int Find(byte[][] keys, ReadOnlySpan<byte> key)
    {
        int low = 0;
        int high = keys.Length - 1;
        while (low <= high)
        {
            int mid = (low + high) >>> 1;
            int order = key.SequenceCompareTo(keys[mid]);
            if (order == 0)
            {
                return mid;
            }

            if (order < 0)
            {
                high = mid - 1;
            }
            else
            {
                low = mid + 1;
            }
        }

        return -1;
    }

    public static (byte[][] Keys, T[] Values) Sorted<T>(Dictionary<string, T> map)
    {
        var keys = new byte[map.Count][];
        var values = new T[map.Count];
        int i = 0;
        foreach (var (key, value) in map)
        {
            keys[i] = Encoding.UTF8.GetBytes(key);
            values[i] = value;
            i++;
        }

        Array.Sort(keys, values, ByteStringComparer.Instance);
        return (keys, values);
    }

    private sealed class ByteStringComparer : IComparer<byte[]>
    {
        public static readonly ByteStringComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
