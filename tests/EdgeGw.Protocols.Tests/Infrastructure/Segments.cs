using System.Buffers;
using System.Text;

namespace EdgeGw.Protocols.Tests.Infrastructure;

/// <summary>Builds multi-segment sequences so that every parser sees its input cut at every possible place.</summary>
internal static class Segments
{
    public static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);

    /// <summary><paramref name="data"/> as a sequence with a segment boundary before each index in <paramref name="cuts"/>.</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] cuts)
    {
        var starts = new List<int> { 0 };
        foreach (int cut in cuts.Order())
        {
            if (cut > starts[^1] && cut < data.Length)
            {
                starts.Add(cut);
            }
        }

        Segment? first = null;
        Segment? last = null;
        for (int i = 0; i < starts.Count; i++)
        {
            int end = i + 1 < starts.Count ? starts[i + 1] : data.Length;
            // Copy each piece so that no segment can read past its own bytes.
            var segment = new Segment(data.AsSpan(starts[i], end - starts[i]).ToArray());
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.Append(segment);
            }

            last = segment;
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    /// <summary>Every single cut 0..n, then (for short inputs) every pair of cuts.</summary>
    public static IEnumerable<int[]> AllCuts(int length, int pairLimit = 160)
    {
        for (int i = 0; i <= length; i++)
        {
            yield return [i];
        }

        if (length <= pairLimit)
        {
            for (int i = 1; i < length; i++)
            {
                for (int j = i + 1; j < length; j++)
                {
                    yield return [i, j];
                }
            }
        }
    }

    /// <summary>One byte per segment: the worst case for code that assumes contiguous memory.</summary>
    public static ReadOnlySequence<byte> BytePerSegment(byte[] data) => Split(data, Enumerable.Range(1, Math.Max(0, data.Length - 1)).ToArray());

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data) => Memory = data;

        public void Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }
}
