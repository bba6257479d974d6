using EdgeGw.Protocols.WebSockets;
using static EdgeGw.Protocols.Tests.WebSockets.ClientFrames;

namespace EdgeGw.Protocols.Tests.WebSockets;

/// <summary>
/// Random streams of valid and mutated frames: the reader never throws, and what it reports never depends on
/// where the bytes were cut or how they arrived.
/// </summary>
public sealed class WebSocketReaderPropertyTests
{
    [Fact]
    public void RandomFrameStreams_GiveTheSameEvents_WholeAndCutAtRandomPoints()
    {
        var random = new Random(6455);
        int errors = 0;
        for (int iteration = 0; iteration < 3000; iteration++)
        {
            var input = RandomStream(random);
            var whole = Drive(input, [input.Length]);
            errors += whole.Count > 0 && whole[^1].StartsWith("Error", StringComparison.Ordinal) ? 1 : 0;
            int[] arrivals = [.. Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(input.Length + 1)).Order(), input.Length];
            Assert.Equal(whole, Drive(input, arrivals));
        }

        // The mutations must reach the error paths often enough for the property to mean something.
        Assert.InRange(errors, 300, 2900);
    }

    private static byte[] RandomStream(Random random)
    {
        var frames = new List<byte[]>();
        int count = random.Next(1, 6);
        for (int i = 0; i < count; i++)
        {
            var payload = new byte[random.Next(0, random.Next(2) == 0 ? 8 : 300)];
            random.NextBytes(payload);
            if (random.Next(3) == 0)
            {
                // Mostly ASCII text, sometimes with a multi-byte character cut by a fragment boundary.
                for (int j = 0; j < payload.Length; j++)
                {
                    payload[j] = (byte)random.Next(0x20, 0x7F);
                }
            }

            var opcode = (WebSocketOpcode)new[] { 0, 1, 1, 2, 2, 8, 9, 10 }[random.Next(8)];
            var frame = Frame(opcode, opcode is WebSocketOpcode.Close or WebSocketOpcode.Ping or WebSocketOpcode.Pong ? payload.AsSpan(0, Math.Min(payload.Length, 125)) : payload,
                fin: random.Next(4) != 0, mask: (uint)random.Next());
            if (random.Next(4) == 0)
            {
                // One mutation: a flipped bit, or a truncation, anywhere in the frame.
                if (random.Next(2) == 0)
                {
                    frame[random.Next(frame.Length)] ^= (byte)(1 << random.Next(8));
                }
                else
                {
                    frame = frame.AsSpan(0, random.Next(frame.Length + 1)).ToArray();
                }
            }

            frames.Add(frame);
        }

        return [.. frames.SelectMany(f => f)];
    }

    private static List<string> Drive(byte[] input, int[] arrivals) =>
        ReaderDriver.Drive(new WebSocketMessageReader(maxFrameBytes: 200, maxMessageBytes: 600), input, arrivals,
            (_, length) => [length / 3, length / 2], releaseBetween: true);
}
