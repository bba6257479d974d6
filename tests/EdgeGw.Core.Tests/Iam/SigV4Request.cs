using System.Text;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Tests.Iam;

/// <summary>A request of the SigV4 test suite's text form (request line, headers with folded lines, blank line, body), laid out as the gateway holds one.</summary>
internal sealed class SigV4Request
{
    public required byte[] Head { get; init; }
    public required HeaderEntry[] Headers { get; init; }
    public required byte[] Method { get; init; }
    public required byte[] Path { get; init; }
    public required byte[] Query { get; init; }
    public required byte[] Body { get; init; }

    public static SigV4Request Parse(string text)
    {
        var lines = text.Split('\n');
        string requestLine = lines[0];
        string method = requestLine[..requestLine.IndexOf(' ')];
        string target = requestLine[(method.Length + 1)..requestLine.LastIndexOf(' ')];
        var headers = new List<(string Name, string Value)>();
        int i = 1;
        for (; i < lines.Length && lines[i].Length > 0; i++)
        {
            string line = lines[i];
            if (line[0] is ' ' or '\t')
            {
                headers[^1] = (headers[^1].Name, headers[^1].Value + "\n" + line);
                continue;
            }

            int colon = line.IndexOf(':');
            headers.Add((line[..colon], line[(colon + 1)..]));
        }

        string body = i + 1 < lines.Length ? string.Join('\n', lines[(i + 1)..]) : "";
        var head = new List<byte>();
        var entries = new List<HeaderEntry>();
        foreach (var (name, value) in headers)
        {
            var entry = new HeaderEntry { NameOffset = head.Count, NameLength = Encoding.UTF8.GetByteCount(name) };
            head.AddRange(Encoding.UTF8.GetBytes(name));
            entry.ValueOffset = head.Count;
            entry.ValueLength = Encoding.UTF8.GetByteCount(value);
            head.AddRange(Encoding.UTF8.GetBytes(value));
            entries.Add(entry);
        }

        int q = target.IndexOf('?');
        return new SigV4Request
        {
            Head = [.. head],
            Headers = [.. entries],
            Method = Encoding.ASCII.GetBytes(method),
            Path = Encoding.UTF8.GetBytes(q < 0 ? target : target[..q]),
            Query = Encoding.UTF8.GetBytes(q < 0 ? "" : target[(q + 1)..]),
            Body = Encoding.UTF8.GetBytes(body),
        };
    }
}
