using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGw.OpenApi;

namespace EdgeGw;

/// <summary><c>edgegw import openapi</c> and <c>edgegw export openapi</c>.</summary>
internal static class OpenApiCommands
{
    public static int Run(string[] args, Func<string, int> usageError)
    {
        string verb = args[0];
        if (args.Length < 2 || args[1] != "openapi")
        {
            return usageError($"{verb}: expected '{verb} openapi'");
        }

        string? file = null, api = null, stage = null, output = null, config = null, extensions = null, lambdaEndpoint = null;
        bool failOnWarnings = false;
        for (int i = 2; i < args.Length; i++)
        {
            string arg = args[i];
            string? Value() => i + 1 < args.Length ? args[++i] : null;
            switch (arg)
            {
                case "--api":
                    api = Value() ?? "";
                    break;
                case "--stage":
                    stage = Value() ?? "";
                    break;
                case "-o" or "--output":
                    output = Value() ?? "";
                    break;
                case "--fail-on-warnings" when verb == "import":
                    failOnWarnings = true;
                    break;
                case "--lambda-endpoint" when verb == "import":
                    lambdaEndpoint = Value() ?? "";
                    break;
                case "--config" when verb == "export":
                    config = Value() ?? "";
                    break;
                case "--extensions" when verb == "export":
                    extensions = Value() ?? "";
                    break;
                default:
                    if (arg.StartsWith('-') || verb != "import" || file is not null)
                    {
                        return usageError($"{verb} openapi: {(arg.StartsWith('-') ? $"unknown option '{arg}'" : $"unexpected argument '{arg}'")}");
                    }

                    file = arg;
                    break;
            }
        }

        if (api == "" || stage == "" || output == "" || config == "" || extensions == "" || lambdaEndpoint == "")
        {
            return usageError($"{verb} openapi: an option is missing its value");
        }

        if (lambdaEndpoint is not null && !lambdaEndpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !lambdaEndpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return usageError("import openapi: --lambda-endpoint is an http://host:port or https://host:port Invoke API");
        }

        return verb == "import"
            ? file is null ? usageError("import openapi: missing <file>") : Import(file, new ImportOptions(api, stage, lambdaEndpoint), output, failOnWarnings)
            : extensions is not (null or "aws" or "none") ? usageError("export openapi: --extensions is aws or none")
            : Export(config, api, stage, output, extensions != "none");
    }

    private static int Import(string file, ImportOptions options, string? output, bool failOnWarnings)
    {
        var result = OpenApiImporter.ImportFile(file, options);
        foreach (var warning in result.Warnings)
        {
            Console.Error.WriteLine($"edgegw import: warning: {file}: {warning}");
        }

        if (result.Config is null)
        {
            foreach (string error in result.Errors)
            {
                Console.Error.WriteLine($"edgegw import: {file}: {error}");
            }

            return 1;
        }

        if (!Write(output, result.ToJson() + "\n", "import"))
        {
            return 1;
        }

        if (output is not null)
        {
            Console.Error.WriteLine($"edgegw import: {file}: wrote {output} ({result.Warnings.Count} warning(s))");
        }

        return failOnWarnings && result.Warnings.Count > 0 ? 1 : 0;
    }

    private static int Export(string? configPath, string? api, string? stage, string? output, bool aws)
    {
        configPath ??= Environment.GetEnvironmentVariable("EDGEGW_CONFIG") ?? "edgegw.json";
        // Only a config that loads is exported (the real loader decides, as for run).
        var loaded = ConfigSource.Load(configPath, []);
        if (loaded.Model is null)
        {
            Console.Error.WriteLine($"edgegw export: {configPath}: {(loaded.FileError ?? $"{loaded.Errors.Count} error(s)\n{loaded.Format()}")}");
            return 1;
        }

        JsonObject config;
        byte[] bytes = File.ReadAllBytes(configPath);
        if (OpenApiSource.LooksLikeOpenApi(configPath, bytes))
        {
            config = OpenApiImporter.Import(configPath, bytes).Config!;
        }
        else
        {
            config = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        }

        var exported = OpenApiExporter.Export(config, new ExportOptions(api, stage, aws));
        foreach (string warning in exported.Warnings)
        {
            Console.Error.WriteLine($"edgegw export: warning: {warning}");
        }

        if (exported.Document is null)
        {
            Console.Error.WriteLine($"edgegw export: {configPath}: {exported.Error}");
            return 1;
        }

        bool yaml = output is not null && (output.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || output.EndsWith(".yml", StringComparison.OrdinalIgnoreCase));
        return Write(output, yaml ? exported.ToYaml() : exported.ToJson() + "\n", "export") ? 0 : 1;
    }

    private static bool Write(string? output, string text, string verb)
    {
        if (output is null)
        {
            Console.Out.Write(text);
            return true;
        }

        try
        {
            File.WriteAllText(output, text, new UTF8Encoding(false));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"edgegw {verb}: cannot write {output}: {e.Message}");
            return false;
        }
    }
}
