using EdgeGw.Core.Deployments;

namespace EdgeGw;

/// <summary>
/// <c>edgegw deploy --api NAME [--stage S] [--description TEXT] [--config F] [--key=value ...]</c>: snapshots the API as
/// the config file defines it now into a new, numbered deployment in the deployment store (beside the state file) and
/// points the stage at it. A running gateway sees the store change and swaps the stage over as on a hot reload.
/// </summary>
internal static class DeployCommand
{
    public static int Run(string[] args, Func<string, int> usageError)
    {
        string? api = null, stage = null, description = null, config = null;
        var overrides = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg is "--api" or "--stage" or "--description" or "--config")
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
        var deployment = deployments.Deploy(api, stage, description, DateTimeOffset.UtcNow, out var error, out string? message);
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

        string where = stage is null ? "no stage changed" : $"stage '{stage}' now serves it";
        Console.WriteLine($"deployment {deployment.Id} of API '{api}' created in {deployments.Store.Directory}; {where}");
        return 0;
    }
}
