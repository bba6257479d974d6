using System.Globalization;
using System.Text;

namespace EdgeGw.Server.Metrics;

/// <summary>
/// Writes the metrics exposition: Prometheus text format 0.0.4, or OpenMetrics 1.0 when the scraper asks for it
/// (counter families named without <c>_total</c>, a <c># UNIT</c> line for the seconds histograms, <c># EOF</c>).
/// </summary>
internal sealed class MetricsText(bool openMetrics)
{
    public const string PrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private readonly StringBuilder _text = new();

    public bool OpenMetrics => openMetrics;
    public string ContentType => openMetrics ? OpenMetricsContentType : PrometheusContentType;

    /// <summary>True when an Accept header value asks for OpenMetrics.</summary>
    public static bool AcceptsOpenMetrics(ReadOnlySpan<byte> accept) =>
        accept.IndexOf("application/openmetrics-text"u8) >= 0;

    /// <summary>The <c># HELP</c>/<c># TYPE</c> (and <c># UNIT</c>) lines of a family; <paramref name="name"/> is the sample name (counters end in <c>_total</c>).</summary>
    public MetricsText Family(string name, string type, string help, string? unit = null)
    {
        string family = openMetrics && type == "counter" && name.EndsWith("_total", StringComparison.Ordinal) ? name[..^6] : name;
        _text.Append("# HELP ").Append(family).Append(' ').Append(help).Append('\n');
        _text.Append("# TYPE ").Append(family).Append(' ').Append(type).Append('\n');
        if (openMetrics && unit is not null)
        {
            _text.Append("# UNIT ").Append(family).Append(' ').Append(unit).Append('\n');
        }

        return this;
    }

    /// <summary>Starts a sample: its name and the opening of its labels (<see cref="Label"/>, then <see cref="Value(long)"/>).</summary>
    public MetricsText Sample(string name)
    {
        _text.Append(name);
        _labels = 0;
        return this;
    }

    private int _labels;

    public MetricsText Label(string name, string value)
    {
        _text.Append(_labels++ == 0 ? '{' : ',').Append(name).Append("=\"");
        foreach (char c in value)
        {
            _ = c switch
            {
                '\\' => _text.Append("\\\\"),
                '"' => _text.Append("\\\""),
                '\n' => _text.Append("\\n"),
                _ => _text.Append(c),
            };
        }

        _text.Append('"');
        return this;
    }

    public void Value(long value)
    {
        CloseLabels();
        _text.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    public void Value(double value)
    {
        CloseLabels();
        _text.Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }

    private void CloseLabels()
    {
        if (_labels > 0)
        {
            _text.Append('}');
        }
    }

    /// <summary>A family of one unlabelled sample.</summary>
    public void Metric(string name, string type, string help, long value)
    {
        Family(name, type, help);
        Sample(name).Value(value);
    }

    public void Metric(string name, string type, string help, double value)
    {
        Family(name, type, help);
        Sample(name).Value(value);
    }

    /// <summary>Raw text (a line the caller formats itself).</summary>
    public MetricsText Append(string text)
    {
        _text.Append(text);
        return this;
    }

    public byte[] ToBytes()
    {
        if (openMetrics)
        {
            _text.Append("# EOF\n");
        }

        return Encoding.UTF8.GetBytes(_text.ToString());
    }
}
