namespace EdgeGw.Protocols.Http1;

/// <summary>Rejects paths with dot segments, raw or percent-encoded: a captured <c>{proxy}</c> must not climb out of its prefix upstream.</summary>
public static class PathRules
{
    public static bool HasDotSegment(ReadOnlySpan<byte> path)
    {
        while (!path.IsEmpty)
        {
            if (path[0] == '/')
            {
                path = path[1..];
                continue;
            }

            int end = path.IndexOf((byte)'/');
            var segment = end < 0 ? path : path[..end];
            if (IsDots(segment))
            {
                return true;
            }

            path = end < 0 ? default : path[end..];
        }

        return false;
    }

    private static bool IsDots(ReadOnlySpan<byte> segment)
    {
        int dots = 0;
        while (!segment.IsEmpty)
        {
            if (segment[0] == '.')
            {
                segment = segment[1..];
            }
            else if (segment.Length >= 3 && segment[0] == '%' && segment[1] == '2' && (segment[2] | 0x20) == 'e')
            {
                segment = segment[3..];
            }
            else
            {
                return false;
            }

            if (++dots > 2)
            {
                return false;
            }
        }

        return dots > 0;
    }
}
