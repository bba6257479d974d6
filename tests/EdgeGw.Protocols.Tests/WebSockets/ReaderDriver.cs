using EdgeGw.Protocols.Tests.Infrastructure;
using EdgeGw.Protocols.WebSockets;

namespace EdgeGw.Protocols.Tests.WebSockets;

/// <summary>Feeds a <see cref="WebSocketMessageReader"/> the way a pipe would and records what it reports.</summary>
internal static class ReaderDriver
{
    /// <summary>
    /// Bytes become readable up to each arrival offset; the readable window is cut into segments where
    /// <paramref name="cuts"/> says (given the consumed offset and the window length); unconsumed bytes are
    /// offered again. Stops after a close or an error, as a connection would. With
    /// <paramref name="releaseBetween"/> the message buffer is given back after every other event, as an idle
    /// connection does.
    /// </summary>
    public static List<string> Drive(WebSocketMessageReader reader, byte[] input, IEnumerable<int> arrivals, Func<int, int, int[]> cuts, bool releaseBetween = false)
    {
        var events = new List<string>();
        int consumed = 0;
        foreach (int arrived in arrivals.Append(input.Length))
        {
            while (arrived > consumed)
            {
                var window = input.AsSpan(consumed, arrived - consumed).ToArray();
                var sequence = Segments.Split(window, cuts(consumed, window.Length));
                var status = reader.Read(sequence, out var position);
                consumed += (int)sequence.Slice(0, position).Length;
                if (status == WebSocketReadStatus.NeedMoreData)
                {
                    break;
                }

                events.Add(status switch
                {
                    WebSocketReadStatus.Message => $"Message {reader.MessageType} {Convert.ToHexString(reader.Payload)}",
                    WebSocketReadStatus.Ping => $"Ping {Convert.ToHexString(reader.Payload)}",
                    WebSocketReadStatus.Close => $"Close {reader.CloseCode} {Convert.ToHexString(reader.Payload)}",
                    WebSocketReadStatus.Error => $"Error {reader.CloseCode}",
                    _ => status.ToString(),
                });
                if (status is WebSocketReadStatus.Close or WebSocketReadStatus.Error)
                {
                    return events;
                }

                if (releaseBetween && events.Count % 2 == 0)
                {
                    reader.ReleaseBuffer();
                }
            }
        }

        return events;
    }
}
