using EdgeGw.Core.Deployments;

namespace EdgeGw;

/// <summary>
/// <c>edgegw deploy --api NAME [--stage S] [--canary PERCENT] [--description TEXT] [--config F] [--key=value ...]</c>:
/// snapshots the API as the config file defines it now into a new, numbered deployment in the deployment store (beside
/// the state file) and points the stage at it (with <c>--canary</c>: makes it the stage's canary, AWS's
/// create-deployment --canary-settings). A running gateway sees the store change and swaps the stage over as on a hot reload.
/// </summary>
internal static class DeployCommand
{
    public static int Run(string[] args, Func<string, int> usageError)
    {
        string? api = null, stage = null, description = null, config = null;
        double? canaryPercent = null;
        var overrides = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg == "--canary")
            {
                if (i + 1 >= args.Length || !double.TryParse(args[i + 1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double percent))
                {
                    return usageError("deploy: --canary needs the canary's share of requests, 0.0 to 100.0");
                }

                canaryPercent = percent;
                i++;
            }
            else if (arg is "--api" or "--stage" or "--description" or "--config")
            {
                if (i + 1 >= args.Length)
                {
                    return usageError($"deploy: {arg} needs a value");
                }

                string value = args[++i];
                switch (arg)
                {
                    case "--api": api = value; break;
                    case "--stage": stage = value; break;
                    case "--description": description = value; break;
                    default: config = value; break;
                }
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) > 2)
            {
                overrides.Add(arg);
            }
            else
            {
                return usageError($"deploy: unknown option '{arg}'");
            }
        }

        if (api is null)
        {
            return usageError("deploy: --api NAME is required");
        }

        if (canaryPercent is not null && stage is null)
        {
            return usageError("deploy: --canary needs --stage");
        }

        config ??= Environment.GetEnvironmentVariable("EDGEGW_CONFIG") ?? (File.Exists("edgegw.json") ? "edgegw.json" : null);
        if (config is null || !File.Exists(config))
        {
            Console.Error.WriteLine($"edgegw deploy: config file not found: {config ?? "edgegw.json"}");
            return 1;
        }

        string[] flags = [.. overrides];
        var result = ConfigSource.Load(config, flags);
        if (result.Model?.Deployments is not { } deployments)
        {
            Console.Error.WriteLine($"edgegw deploy: {config}: {result.FileError ?? "invalid config, nothing deployed"}");
            if (result.FileError is null)
            {
                Console.Error.WriteLine(result.Format());
            }

            return 1;
        }

        var saved = deployments.SaveStages();
        var canary = canaryPercent is { } share ? new StoredCanary(0, share) : null;
        var deployment = deployments.Deploy(api, stage, description, DateTimeOffset.UtcNow, out var error, out string? message, canary);
        if (deployment is null)
        {
            Console.Error.WriteLine($"edgegw deploy: {message}");
            return error == DeploymentError.Invalid ? 2 : 1;
        }

        // The config with the stage on its new deployment must load, or the stage stays where it was.
        var check = ConfigSource.Load(config, flags);
        if (check.Model is null)
        {
            deployments.RestoreStages(saved);
            Console.Error.WriteLine($"edgegw deploy: deployment {deployment.Id} was written but the stage was left as it was: the config with it does not load");
            Console.Error.WriteLine(check.FileError ?? check.Format());
            return 1;
        }

        string where = stage is null ? "no stage changed"
            : canary is not null ? $"it serves {canaryPercent!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}% of stage '{stage}' as its canary"
            : $"stage '{stage}' now serves it";
        Console.WriteLine($"deployment {deployment.Id} of API '{api}' created in {deployments.Store.Directory}; {where}");
        return 0;
    }
}
