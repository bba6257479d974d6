using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeGw.Conformance.Tests.Llhttp;

/// <summary>One llhttp markdown case: the wire input and what llhttp's log says happened.</summary>
internal sealed record LlhttpCase(string File, string Name, string Type, bool Pause, bool SkipBody, byte[] Input, string Log)
{
    public string Id => $"{File} :: {Name}";
    public bool IsRequest => Type.StartsWith("request", StringComparison.Ordinal);
    public bool IsLenient => Type.Contains("-lenient-", StringComparison.Ordinal);
    public bool Finishes => Type.EndsWith("-finish", StringComparison.Ordinal);
    public bool ExpectsError => Log.Contains("error code=", StringComparison.Ordinal);
    public int MessagesCompleted => Regex.Count(Log, @"\bmessage complete\b");
    public long BodyBytes => Regex.Matches(Log, @"len=(\d+) span\[body\]").Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
}

/// <summary>Reads llhttp's test markdown (conventions in ../shared/conformance/README.md).</summary>
internal static partial class LlhttpCorpus
{
    public static IReadOnlyList<LlhttpCase> Load(string kind)
    {
        var cases = new List<LlhttpCase>();
        foreach (string path in Directory.GetFiles(Infrastructure.Corpus.PathOf(Path.Combine("llhttp", kind)), "*.md").Order(StringComparer.Ordinal))
        {
            cases.AddRange(Parse(Path.Combine(kind, Path.GetFileName(path)), File.ReadAllLines(path)));
        }

        return cases;
    }

    private static IEnumerable<LlhttpCase> Parse(string file, string[] lines)
    {
        string heading = "";
        string? meta = null;
        byte[]? input = null;
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.StartsWith('#'))
            {
                heading = line.TrimStart('#').Trim();
            }
            else if (line.StartsWith("<!-- meta=", StringComparison.Ordinal))
            {
                meta = line;
                input = null;
            }
            else if (line.StartsWith("```http", StringComparison.Ordinal) && meta is not null)
            {
                var block = ReadBlock(lines, ref i);
                input = Decode(block);
            }
            else if (line.StartsWith("```log", StringComparison.Ordinal) && meta is not null && input is not null)
            {
                string log = string.Join('\n', ReadBlock(lines, ref i));
                string type = TypeOf().Match(meta).Groups[1].Value;
                // Headings repeat across sections ("#1", "#2" exist, but not always): keep ids unique.
                int seen = names.TryGetValue(heading, out int n) ? n + 1 : 1;
                names[heading] = seen;
                string name = seen == 1 ? heading : $"{heading} ({seen})";
                yield return new LlhttpCase(file, name, type, meta.Contains("\"pause\"", StringComparison.Ordinal),
                    meta.Contains("\"skipBody\"", StringComparison.Ordinal), input, log);
                meta = null;
                input = null;
            }
        }
    }

    private static List<string> ReadBlock(string[] lines, ref int i)
    {
        var block = new List<string>();
        for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++)
        {
            block.Add(lines[i]);
        }

        return block;
    }

    /// <summary>Lines joined with CRLF (the block's final newline removed); escapes decoded; a trailing backslash joins lines.</summary>
    private static byte[] Decode(List<string> block)
    {
        var bytes = new List<byte>();
        for (int l = 0; l < block.Count; l++)
        {
            string line = block[l];
            bool join = line.EndsWith('\\');
            if (join)
            {
                line = line[..^1];
            }

            for (int c = 0; c < line.Length; c++)
            {
                if (line[c] == '\\' && c + 1 < line.Length)
                {
                    char e = line[c + 1];
                    switch (e)
                    {
                        case 'r': bytes.Add((byte)'\r'); c++; continue;
                        case 'n': bytes.Add((byte)'\n'); c++; continue;
                        case 't': bytes.Add((byte)'\t'); c++; continue;
                        case 'f': bytes.Add((byte)'\f'); c++; continue;
                        case 'x' when IsHex(line, c + 2):
                            bytes.Add(byte.Parse(line.AsSpan(c + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                            c += 3;
                            continue;
                    }
                }

                bytes.AddRange(Encoding.UTF8.GetBytes(line[c].ToString()));
            }

            if (!join && l < block.Count - 1)
            {
                bytes.Add((byte)'\r');
                bytes.Add((byte)'\n');
            }
        }

        return [.. bytes];
    }

    private static bool IsHex(string line, int at) =>
        at + 1 < line.Length && char.IsAsciiHexDigit(line[at]) && char.IsAsciiHexDigit(line[at + 1]);

    [GeneratedRegex("\"type\"\\s*:\\s*\"([^\"]+)\"")]
    private static partial Regex TypeOf();
}
