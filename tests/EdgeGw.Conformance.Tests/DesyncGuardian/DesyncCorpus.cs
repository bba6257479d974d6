using System.Globalization;
using System.Text;

namespace EdgeGw.Conformance.Tests.DesyncGuardian;

/// <summary>One http-desync-guardian case: a request and the tier it must be classified as.</summary>
internal sealed record DesyncCase(string File, string Name, string Method, string Uri, string Version, IReadOnlyList<(string Name, string Value)> Headers, string Tier)
{
    public string Id => $"{File} :: {Name}";

    /// <summary>
    /// The request on the wire. The corpus classifies header semantics and assumes a Host; one is added when the
    /// case has none, so that a missing Host (itself a 400 here) does not mask what the case is about.
    /// </summary>
    public byte[] ToWire()
    {
        var wire = new List<byte>();
        void Add(string text) => wire.AddRange(Latin1OrUtf8(text));
        Add(Method);
        Add(" ");
        Add(Uri);
        if (Version.Length > 0)
        {
            Add(" ");
            Add(Version);
        }

        Add("\r\n");
        bool hasHost = false;
        foreach (var (name, value) in Headers)
        {
            hasHost |= string.Equals(name.Trim(), "host", StringComparison.OrdinalIgnoreCase);
            Add(name);
            Add(": ");
            Add(value);
            Add("\r\n");
        }

        if (!hasHost)
        {
            Add("Host: example.com\r\n");
        }

        Add("\r\n");
        return [.. wire];
    }

    // \xNN escapes produce chars below 256 that stand for single bytes; other text (Cyrillic URIs) is UTF-8.
    private static byte[] Latin1OrUtf8(string text)
    {
        foreach (char c in text)
        {
            if (c > 0xFF)
            {
                return Encoding.UTF8.GetBytes(text);
            }
        }

        return Encoding.Latin1.GetBytes(text);
    }
}

/// <summary>A reader for the corpus's small YAML subset: a list of cases, each with scalars, a header list and <c>expected</c>.</summary>
internal static class DesyncCorpus
{
    public static IReadOnlyList<string> Files() =>
        [.. Directory.GetFiles(Infrastructure.Corpus.PathOf("desync-guardian"), "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    public static IReadOnlyList<DesyncCase> Load(string file)
    {
        var cases = new List<DesyncCase>();
        Dictionary<string, string>? current = null;
        List<(string, string)>? headers = null;
        string? headerName = null;
        string section = "";

        void Flush()
        {
            if (current is not null)
            {
                // Names repeat within a file (acceptable.yaml has a GET and a HEAD case of one name): the second
                // and later get a number, so every case has its own test ID and none is dropped as a duplicate.
                string name = current.GetValueOrDefault("name", "?");
                int seen = cases.Count(c => c.File == file && (c.Name == name || c.Name.StartsWith(name + " #", StringComparison.Ordinal)));
                if (seen > 0)
                {
                    name = $"{name} #{seen + 1}";
                }

                cases.Add(new DesyncCase(file, name, current.GetValueOrDefault("method", ""),
                    current.GetValueOrDefault("uri", ""), current.GetValueOrDefault("version", ""), headers!, current.GetValueOrDefault("expected.tier", "")));
            }
        }

        foreach (string raw in File.ReadAllLines(Infrastructure.Corpus.PathOf(Path.Combine("desync-guardian", file))))
        {
            if (raw.TrimStart().StartsWith('#') || raw.Trim().Length == 0)
            {
                continue;
            }

            int indent = raw.Length - raw.TrimStart().Length;
            string line = raw.Trim();
            if (indent == 0 && line.StartsWith("- ", StringComparison.Ordinal))
            {
                Flush();
                current = new Dictionary<string, string>(StringComparer.Ordinal);
                headers = [];
                section = "";
                line = line[2..];
                indent = 2;
            }

            if (current is null)
            {
                continue;
            }

            bool listItem = line.StartsWith("- ", StringComparison.Ordinal);
            if (listItem)
            {
                line = line[2..];
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            string key = line[..colon].Trim();
            string value = Scalar(line[(colon + 1)..].Trim());
            if (indent == 2 && !listItem)
            {
                section = key;
                current[key] = value;
                continue;
            }

            if (section == "headers")
            {
                if (key == "name")
                {
                    headerName = value;
                }
                else if (key == "value" && headerName is not null)
                {
                    headers!.Add((headerName, value));
                    headerName = null;
                }
            }
            else if (section == "expected" && !listItem)
            {
                current[$"expected.{key}"] = value;
            }
        }

        Flush();
        return cases;
    }

    /// <summary>Double-quoted scalars take escapes; single-quoted double their quotes; plain scalars are literal.</summary>
    private static string Scalar(string text)
    {
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            var value = new StringBuilder();
            for (int i = 1; i < text.Length - 1; i++)
            {
                if (text[i] != '\\' || i + 1 >= text.Length - 1)
                {
                    value.Append(text[i]);
                    continue;
                }

                char e = text[++i];
                switch (e)
                {
                    case 't': value.Append('\t'); break;
                    case 'r': value.Append('\r'); break;
                    case 'n': value.Append('\n'); break;
                    case '0': value.Append('\0'); break;
                    case '"': value.Append('"'); break;
                    case '\\': value.Append('\\'); break;
                    case 'x':
                        value.Append((char)int.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 2;
                        break;
                    case 'u':
                        value.Append((char)int.Parse(text.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    default: value.Append('\\').Append(e); break;
                }
            }

            return value.ToString();
        }

        if (text.Length >= 2 && text[0] == '\'' && text[^1] == '\'')
        {
            return text[1..^1].Replace("''", "'", StringComparison.Ordinal);
        }

        return text;
    }
}
