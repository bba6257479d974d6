namespace EdgeGw.Core.Model;

/// <summary>Local persistence of quota usage and admin-created keys when Redis is not configured.</summary>
public sealed record StateSettings(string Path, TimeSpan FlushInterval)
{
    /// <summary>The file name in the data directory when <c>state.path</c> is not set.</summary>
    public const string DefaultFileName = "edgegw-state.json";

    /// <summary>The defaults, with the path resolved from this process's environment (<see cref="DefaultPath"/>).</summary>
    public static StateSettings Default => new(DefaultPath(Environment.GetEnvironmentVariable), TimeSpan.FromSeconds(5));

    /// <summary>
    /// Where the state file goes when <c>state.path</c> is not set: <c>$STATE_DIRECTORY</c> (systemd's
    /// <c>StateDirectory=</c>; the first of a colon-separated list), else <c>$XDG_STATE_HOME/edgegw</c>, else
    /// <c>~/.local/state/edgegw</c>; a relative value is ignored, as the XDG spec asks.
    /// </summary>
    public static string DefaultPath(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? systemd = environment("STATE_DIRECTORY")?.Split(':')[0];
        if (IsAbsolute(systemd))
        {
            return System.IO.Path.Combine(systemd!, DefaultFileName);
        }

        string? xdg = environment("XDG_STATE_HOME");
        if (IsAbsolute(xdg))
        {
            return System.IO.Path.Combine(xdg!, "edgegw", DefaultFileName);
        }

        string? home = environment("HOME");
        if (!IsAbsolute(home))
        {
            home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }

        return System.IO.Path.Combine(home!, ".local", "state", "edgegw", DefaultFileName);
    }

    private static bool IsAbsolute(string? path) => !string.IsNullOrEmpty(path) && System.IO.Path.IsPathRooted(path);
}
