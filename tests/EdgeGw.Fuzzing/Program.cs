using EdgeGw.Conformance.Tests.Infrastructure;
using EdgeGw.Protocols.WebSockets;
using SharpFuzz;

namespace EdgeGw.Fuzzing;

/// <summary>
/// The AFL++ target (through SharpFuzz's fork server) for the gateway's wire code: the HTTP/1.1 request and
/// response framing (head scanner, strict parsers, chunked decoder) and the WebSocket frame reader. An input is
/// <c>[target][cut][cut] message…</c>: the first byte picks the target and whether the stream has ended, the next
/// two pick where the message is cut into arrivals. A crash is an exception, and also a verdict that changes
/// with the cuts (the property the conformance suite's mutation fuzzer checks, here with coverage guidance).
/// <c>--replay &lt;file or folder&gt;…</c> runs saved inputs without AFL (to reproduce a finding).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--replay")
        {
            int count = 0;
            foreach (string path in args.Skip(1).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p) : [p]))
            {
                Target.Run(File.ReadAllBytes(path));
                count++;
            }

            Console.WriteLine($"replayed {count} input(s) without a failure");
            return 0;
        }

        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Target.Run(copy.ToArray());
        });
        return 0;
    }
}

public static class Target
{
    public static void Run(byte[] data)
    {
        if (data.Length < 3)
        {
            return;
        }

        byte selector = data[0];
        var message = data.AsSpan(3).ToArray();
        int[] cuts = [.. new[] { data[1] % (message.Length + 1), data[2] % (message.Length + 1) }.Order()];
        switch (selector % 3)
        {
            case 0:
            case 1:
                var kind = selector % 3 == 0 ? MessageKind.Request : MessageKind.Response;
                bool endOfInput = (selector & 4) != 0;
                var whole = WireDriver.Drive(message, kind, endOfInput, []);
                var split = WireDriver.Drive(message, kind, endOfInput, cuts);
                if (split.Rejected != whole.Rejected || split.Error != whole.Error || split.Messages.Count != whole.Messages.Count || split.BodyBytes != whole.BodyBytes)
                {
                    throw new InvalidOperationException($"segmentation changed the verdict: whole {whole}, cut at [{string.Join(',', cuts)}] {split}");
                }

                break;
            default:
                var all = WebSocketEvents(message, [message.Length]);
                var pieces = WebSocketEvents(message, [.. cuts, message.Length]);
                if (!all.SequenceEqual(pieces))
                {
                    throw new InvalidOperationException($"segmentation changed the WebSocket events: [{string.Join(';', all)}] vs [{string.Join(';', pieces)}]");
                }

                break;
        }
    }

    /// <summary>Feeds frames as arrivals, as a connection would, and describes every event.</summary>
    private static List<string> WebSocketEvents(byte[] input, int[] arrivals)
    {
        var reader = new WebSocketMessageReader(maxFrameBytes: 1024, maxMessageBytes: 4096);
        var events = new List<string>();
        int consumed = 0;
        foreach (int arrived in arrivals)
        {
            while (arrived > consumed)
            {
                var window = new System.Buffers.ReadOnlySequence<byte>(input, consumed, arrived - consumed);
                var status = reader.Read(window, out var position);
                consumed += (int)window.Slice(0, position).Length;
                if (status == WebSocketReadStatus.NeedMoreData)
                {
                    break;
                }

                events.Add($"{status} {reader.CloseCode} {reader.MessageType} {Convert.ToHexString(reader.Payload)}");
                if (status is WebSocketReadStatus.Close or WebSocketReadStatus.Error)
                {
                    return events;
                }

                reader.ReleaseBuffer();
            }
        }

        return events;
    }
}
