using System.Reflection;
using System.Runtime.InteropServices;
using EdgeGw.Core.Configuration;
using EdgeGw.Core.Model;
using EdgeGw.Server.Hosting;
using EdgeGw.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace EdgeGw;

/// <summary>The <c>edgegw</c> command line: run (default), validate, help.</summary>
internal static class Cli
{
    private const string DemoResource = "EdgeGw.demo.edgegw.json";

    private const string Usage = """
        edgegw — a self-hosted API gateway

        Usage:
          edgegw [run] [--config <file>] [--<key>=<value> ...]   run the gateway (the default verb)
          edgegw validate <file> [--<key>=<value> ...]           check a config, print every error with its JSON path
          edgegw test-invoke [--config <file>] [--stage <stage>] <METHOD> <path> [-H 'Name: value' ...] [-d <body>|@<file>]
                                                                 run one request through the real pipeline in this
                                                                 process and print status, latency, body, headers and
                                                                 the execution log; it CALLS THE REAL BACKEND (and
                                                                 counts against throttles shared through Redis; the
                                                                 state file is a copy, not written back)
          edgegw import openapi <file.yaml|json> [--api NAME] [--stage S] [--lambda-endpoint URL] [-o edgegw.json] [--fail-on-warnings]
                                                                 convert an OpenAPI 2.0/3.0/3.1 document with API
                                                                 Gateway's x-amazon-apigateway extensions into a config
                                                                 (stdout without -o); what does not carry over is a
                                                                 warning on stderr with its JSON pointer;
                                                                 --lambda-endpoint: invoke the Lambda functions at this
                                                                 Invoke API (SAM local, the emulator), not AWS
          edgegw export openapi [--config F] [--api NAME] [--stage S] [--extensions aws|none] [-o file.json|yaml]
                                                                 write an API of a config as OpenAPI 3.0
          edgegw deploy --api NAME [--stage S] [--canary PERCENT] [--description TEXT] [--config F]
                                                                 snapshot an API of the config as a new numbered
                                                                 deployment (kept beside the state file) and point the
                                                                 stage at it, or with --canary make it the stage's
                                                                 canary; a running gateway switches over at once
                                                                 (rollback, promote: the admin API, see README)
          edgegw help | --help | -h                              print this help
          edgegw --version                                       print the version

        Config comes from one JSON file (--config, else EDGEGW_CONFIG, else ./edgegw.json; without any of them
        the embedded demo config is used). Every key can be overridden, last wins:
          environment   EDGEGW_server__limits__maxHeaderCount=50   (EDGEGW_ + the key's path, parts joined by __;
                        a variable whose first part is no top-level section is warned about and ignored)
          command line  --server:limits:maxHeaderCount=50
        An invalid config is reported in full (every error with its JSON path) and the gateway does not start;
        malformed JSON is reported with its file, line and column.
        A valid change to the config file is applied without a restart (listen addresses excepted); an invalid,
        malformed, deleted or empty file is reported and the running config stays.
        SIGHUP reloads the config file now (systemd's ExecReload); under systemd (NOTIFY_SOCKET) the gateway
        reports READY=1 once it listens, RELOADING=1/READY=1 around a reload and STOPPING=1 when it drains.
        SIGTERM/SIGINT stop accepting connections and drain in-flight requests up to server.drainTimeoutSeconds.
        SIGUSR1 reopens the access log files (after logrotate moved them).
        SIGUSR2 prints counters (requests, connections, allocated bytes, GC counts, RSS) on one line.

        A config file that is an OpenAPI document (YAML, or JSON with a top-level "openapi"/"swagger" key) is converted
        as by import openapi when it is loaded; its import warnings are printed as config warnings.

        Exit codes: 0 ok, 1 invalid config or a listen address that cannot be bound (import: a document that cannot
        be converted, or warnings with --fail-on-warnings), 2 usage error.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        switch (args.Length > 0 ? args[0] : null)
        {
            case "--help" or "-h" or "help":
                Console.WriteLine(Usage);
                return 0;
            case "--version":
                Console.WriteLine($"edgegw {Version}");
                return 0;
            case "test-invoke":
                return await TestInvoke.RunAsync(args[1..]).ConfigureAwait(false);
            case "deploy":
                return DeployCommand.Run(args[1..], UsageError);
            case "import" or "export":
                return OpenApiCommands.Run(args, UsageError);
            case "validate":
                if (args.Length < 2 || args[1].StartsWith('-'))
                {
                    return UsageError("validate: missing <file>");
                }

                return FindNonOverride(args[2..]) is { } wrong ? UsageError($"validate: {Unknown(wrong)}") : Validate(args[1], args[2..]);
        }

        var rest = args.Length > 0 && args[0] == "run" ? args[1..] : args;
        if (FindNonOverride(rest.Where((arg, i) => arg != "--config" && (i == 0 || rest[i - 1] != "--config"))) is { } unknown)
        {
            return UsageError(Unknown(unknown));
        }

        if (!TryExtractConfigPath(ref rest, out string? path, out string? usageError))
        {
            Console.Error.WriteLine($"edgegw: {usageError}");
            return 2;
        }

        return await RunGatewayAsync(path, rest).ConfigureAwait(false);
    }

    /// <summary>The assembly's informational version (the package version, with the commit when the build knows it).</summary>
    private static string Version =>
        typeof(Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Cli).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    private static int UsageError(string message)
    {
        Console.Error.WriteLine($"edgegw: {message}");
        Console.Error.WriteLine();
        Console.Error.WriteLine(Usage);
        return 2;
    }

    /// <summary>Overrides are <c>--key=value</c> (the key's parts joined by <c>:</c>); anything else is a usage error, never a silent start.</summary>
    private static string? FindNonOverride(IEnumerable<string> args) =>
        args.FirstOrDefault(arg => !(arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) > 2));

    private static string Unknown(string arg) => arg.StartsWith('-') ? $"unknown option '{arg}'" : $"unknown command '{arg}'";

    private static int Validate(string path, string[] overrides)
    {
        WarnIgnoredVariables();
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"edgegw validate: {path}: file not found");
            return 1;
        }

        var result = ConfigSource.Load(path, overrides);
        if (result.FileError is not null)
        {
            Console.Error.WriteLine($"edgegw validate: {result.FileError}");
            return 1;
        }

        if (result.Model is null)
        {
            Console.Error.WriteLine($"{path}: {result.Errors.Count} error(s)");
            Console.Error.WriteLine(result.Format());
            return 1;
        }

        PrintWarnings(path, result);
        Console.WriteLine($"{path}: valid ({CountRoutes(result.Model)} route(s), {result.Model.Clusters.Length} cluster(s))");
        return 0;
    }

    private static async Task<int> RunGatewayAsync(string? path, string[] overrides)
    {
        WarnIgnoredVariables();
        var result = Load(path, overrides);
        string source = path ?? "embedded demo config";
        if (result.FileError is not null)
        {
            Console.Error.WriteLine($"edgegw: not starting: {result.FileError}");
            return 1;
        }

        if (result.Model is null)
        {
            Console.Error.WriteLine($"edgegw: {source}: {result.Errors.Count} error(s); not starting");
            Console.Error.WriteLine(result.Format());
            return 1;
        }

        PrintWarnings(source, result);
        // Before anything is opened, so the budget is measured under the raised limit.
        var raised = DescriptorBudget.RaiseSoftLimit();
        GatewayHost started;
        try
        {
            started = await GatewayHost.StartAsync(result.Model, new GatewayHostOptions
            {
                InlineScheduling = InlineIo.Enabled,
                // Logging__LogLevel__Default=Debug (and per-category levels) over logging.level, as in any .NET host.
                LoggingConfiguration = new ConfigurationBuilder().AddEnvironmentVariables().Build().GetSection("Logging"),
            }).ConfigureAwait(false);
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            // Kestrel's message names the address: "Failed to bind to address http://127.0.0.1:8080: address already in use."
            Console.Error.WriteLine($"edgegw: not starting: {e.Message}");
            return 1;
        }
        catch (System.Net.Sockets.SocketException e)
        {
            string addresses = string.Join(", ", result.Model.Server.Listen.Select(entry => entry.Url).Concat(result.Model.Admin.Listen));
            Console.Error.WriteLine($"edgegw: not starting: cannot listen on {addresses}: {e.Message}");
            return 1;
        }

        await using var host = started;
        var log = host.Logs.CreateLogger("EdgeGw");
        // Watching before "serving" is printed, so a change made once the gateway says it serves is seen.
        using var reload = path is null ? null : new ConfigReloader(path, overrides, host, result.Source, log);
        using var systemd = SystemdNotifier.FromEnvironment(problem => CliLog.SystemdProblem(log, problem));
        using var signals = new GatewaySignals(host, reload, systemd, log);
        CliLog.Serving(log, source, string.Join(", ", host.Addresses));
        CliLog.StatePath(log, host.Runtime.State.Path);
        var budget = DescriptorBudget.Process;
        if (budget.Limit > 0)
        {
            string from = raised is { } r && r.Before != r.After ? $" (raised from {r.Before})" : "";
            CliLog.DescriptorLimit(log, budget.Limit, from, budget.Capacity);
        }
        if (host.AdminAddresses.Count > 0)
        {
            CliLog.AdminApi(log, string.Join(", ", host.AdminAddresses));
        }

        if (path is null && host.Addresses.Count > 0)
        {
            var first = host.Addresses[0];
            CliLog.TryDemo(log, $"{first.Scheme}://{first.Authority}/demo/hello");
        }

        // Under systemd's Type=notify: ready once every listener is bound (StartAsync has returned) and the
        // signals are handled (systemd may send SIGHUP as soon as it sees READY=1).
        systemd?.Ready($"serving on {string.Join(", ", host.Addresses)}");

        try
        {
            await Task.Delay(Timeout.Infinite, signals.Stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        CliLog.Draining(log, (long)result.Model.Server.DrainTimeout.TotalSeconds);
        systemd?.Stopping("draining");
        await host.StopAsync().ConfigureAwait(false);
        return 0;
    }

    internal static ConfigLoadResult Load(string? path, string[] overrides)
    {
        if (path is not null)
        {
            return ConfigSource.Load(path, overrides);
        }

        using var demo = Assembly.GetExecutingAssembly().GetManifestResourceStream(DemoResource);
        return GatewayConfigLoader.Load(GatewayConfiguration.Build(null, demo, overrides));
    }

    private static bool TryExtractConfigPath(ref string[] args, out string? path, out string? error)
    {
        path = null;
        error = null;
        var rest = new List<string>(args.Length);
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config")
            {
                if (i + 1 >= args.Length)
                {
                    error = "--config needs a file";
                    return false;
                }

                path = args[++i];
            }
            else if (args[i].StartsWith("--config=", StringComparison.Ordinal))
            {
                path = args[i]["--config=".Length..];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        path ??= Environment.GetEnvironmentVariable("EDGEGW_CONFIG");
        if (path is null && File.Exists("edgegw.json"))
        {
            path = "edgegw.json";
        }

        if (path is not null && !File.Exists(path))
        {
            error = $"config file not found: {path}";
            return false;
        }

        args = rest.ToArray();
        return true;
    }

    /// <summary>Once per process: an EDGEGW_ variable that is no config key is ignored, not an error.</summary>
    /// <summary>What loads but deserves a look (an expired certificate), one line per warning on stderr.</summary>
    private static void PrintWarnings(string source, ConfigLoadResult result)
    {
        foreach (var warning in result.Warnings)
        {
            Console.Error.WriteLine($"edgegw: warning: {source}: {warning.Path}: {warning.Message}");
        }
    }

    private static void WarnIgnoredVariables()
    {
        foreach (string name in GatewayConfiguration.IgnoredVariables())
        {
            Console.Error.WriteLine($"edgegw: warning: ignoring {name}: not a config key (EDGEGW_<section>__<key>, where <section> is one of: {string.Join(", ", GatewayConfiguration.Sections)})");
        }
    }

    private static int CountRoutes(GatewayModel model) => model.Routes.Count;
}
