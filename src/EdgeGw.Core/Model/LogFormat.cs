namespace EdgeGw.Core.Model;

/// <summary>How console log lines are written.</summary>
public enum LogFormat
{
    /// <summary>One line of text per entry.</summary>
    Text,

    /// <summary>One JSON object per line.</summary>
    Json,
}
