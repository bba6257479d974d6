using System.Runtime.CompilerServices;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>
/// A gateway without <c>state.path</c> keeps its state under <c>$XDG_STATE_HOME</c> (or systemd's
/// <c>$STATE_DIRECTORY</c>): point both away from the real home directory before any test compiles a config.
/// </summary>
internal static class StateIsolation
{
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "A test assembly: it must run before any test, whichever runs first.")]
    internal static void Isolate()
    {
        Environment.SetEnvironmentVariable("STATE_DIRECTORY", null);
        Environment.SetEnvironmentVariable("XDG_STATE_HOME", Path.Combine(Path.GetTempPath(), $"edgegw-functional-state-{Environment.ProcessId}"));
    }
}
