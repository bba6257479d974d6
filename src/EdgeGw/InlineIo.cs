namespace EdgeGw;

/// <summary>The process-wide choice between inline socket completions and thread-pool dispatch.</summary>
internal static class InlineIo
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>True when socket completions (and so Kestrel's pipe continuations) run inline.</summary>
    public static bool Enabled => Environment.GetEnvironmentVariable(Variable) == "1";

    public static void Configure()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }
}
