namespace EdgeGw.Server;

/// <summary>What the host bound at start: the gateway's and the admin API's addresses, and how many listen URLs were configured.</summary>
public sealed record ListenerState(IReadOnlyList<Uri> Gateway, IReadOnlyList<Uri> Admin, int Configured)
{
    /// <summary>Every configured URL has its listener (Kestrel fails the start otherwise; checked, not assumed).</summary>
    public bool AllBound => Gateway.Count + Admin.Count >= Configured;
}
