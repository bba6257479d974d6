using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.RequestValidation;

/// <summary>One of an API's <c>models</c>: its name, its schema as JSON text and the JSON path of its key.</summary>
internal sealed record ModelConfig(string Name, string Schema, string Path);

/// <summary>A route's <c>requestValidator</c> as written.</summary>
internal sealed record RequestValidatorConfig(string? Body, ImmutableArray<string> Parameters, string Path);

/// <summary>
/// <c>apis[].models</c> (JSON Schema draft-04 as AWS, or 2020-12) and <c>routes[].requestValidator</c>: read,
/// validated with JSON paths, compiled into a <see cref="RequestValidatorPolicy"/> per route. A model is either a
/// JSON object (rebuilt from the configuration, which keeps only text: a value that reads as a number or
/// boolean becomes one) or a string holding the schema's JSON (AWS's <c>schema</c> is a string; exact).
/// </summary>
internal static class RequestValidationSection
{
    /// <summary>AWS's limit on a model's schema.</summary>
    public const int MaxModelBytes = 400 * 1024;
    /// <summary>Parameters a validator may require (a bit each in the missing mask).</summary>
    public const int MaxParameters = 64;

    private static readonly string[] ValidatorKeys = ["body", "parameters"];
    /// <summary>Keywords whose values are always text, never numbers or booleans, when a model is rebuilt.</summary>
    private static readonly string[] TextKeywords = ["pattern", "title", "description", "$schema", "$id", "id", "$ref", "format", "$comment"];

    public static ImmutableArray<ModelConfig> ReadModels(ConfigReader reader, IConfigurationSection section, string path)
    {
        var models = ImmutableArray.CreateBuilder<ModelConfig>();
        foreach (var model in section.GetChildren())
        {
            string modelPath = ConfigReader.Join(path, model.Key);
            if (model.Value is { } text)
            {
                models.Add(new ModelConfig(model.Key, text, modelPath));
                continue;
            }

            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                Write(writer, model, textOnly: false);
            }

            models.Add(new ModelConfig(model.Key, Encoding.UTF8.GetString(buffer.ToArray()), modelPath));
        }

        return models.ToImmutable();
    }

    private static void Write(Utf8JsonWriter writer, IConfigurationSection section, bool textOnly)
    {
        var children = section.GetChildren().ToList();
        if (section.Value is { } value && children.Count == 0)
        {
            WriteScalar(writer, value, textOnly);
            return;
        }

        bool isArray = children.Count > 0;
        var ordered = new SortedDictionary<int, IConfigurationSection>();
        foreach (var child in children)
        {
            if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || !ordered.TryAdd(index, child))
            {
                isArray = false;
                break;
            }
        }

        if (isArray && ordered.Keys.Last() == ordered.Count - 1)
        {
            writer.WriteStartArray();
            foreach (var child in ordered.Values)
            {
                Write(writer, child, textOnly);
            }

            writer.WriteEndArray();
            return;
        }

        writer.WriteStartObject();
        foreach (var child in children)
        {
            writer.WritePropertyName(child.Key);
            Write(writer, child, Array.IndexOf(TextKeywords, child.Key) >= 0 && section.Key != "properties");
        }

        writer.WriteEndObject();
    }

    private static void WriteScalar(Utf8JsonWriter writer, string value, bool textOnly)
    {
        if (!textOnly)
        {
            if (value is "true" or "false")
            {
                writer.WriteBooleanValue(value == "true");
                return;
            }

            if (value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] == '-')
                && decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out decimal number))
            {
                writer.WriteNumberValue(number);
                return;
            }
        }

        writer.WriteStringValue(value);
    }

    public static RequestValidatorConfig? ReadValidator(ConfigReader reader, IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return null;
        }

        reader.CheckObject(section, path, ValidatorKeys);
        return new RequestValidatorConfig(section["body"], reader.ReadStrings(section.GetSection("parameters"), ConfigReader.Join(path, "parameters")), path);
    }

    public static void ValidateModels(ConfigChecks checks, ImmutableArray<ModelConfig> models)
    {
        if (models.IsDefaultOrEmpty)
        {
            return;
        }

        foreach (var model in models)
        {
            if (model.Name.AsSpan().ContainsAnyExcept(ConfigChecks.NameChars) || model.Name.Length == 0)
            {
                checks.Error(model.Path, "a model name is letters, digits, '-' and '_'");
            }

            if (Encoding.UTF8.GetByteCount(model.Schema) > MaxModelBytes)
            {
                checks.Error(model.Path, $"a model's schema is at most {MaxModelBytes / 1024} KiB (AWS's limit)");
                continue;
            }

            if (!TryCompile(model, out string error))
            {
                checks.Error(model.Path, error);
            }
        }
    }

    public static void ValidateRoute(ConfigChecks checks, RequestValidatorConfig? validator, ImmutableArray<ModelConfig> models, ImmutableArray<string>? parameterNames, string integrationType)
    {
        if (validator is null)
        {
            return;
        }

        if (integrationType != "http")
        {
            checks.Error(validator.Path, "request validation applies to routes with an http integration");
        }

        if (validator.Body is { } body && (models.IsDefault || !models.Any(m => m.Name == body)))
        {
            checks.Error($"{validator.Path}.body", $"model '{body}' is not defined in the API's models");
        }

        if (validator.Body is null && validator.Parameters.IsDefaultOrEmpty)
        {
            checks.Error(validator.Path, "a validator names a body model, parameters, or both");
        }

        if (validator.Parameters.Length > MaxParameters)
        {
            checks.Error($"{validator.Path}.parameters", $"at most {MaxParameters} parameters");
        }

        for (int i = 0; i < validator.Parameters.Length; i++)
        {
            string entry = validator.Parameters[i];
            string entryPath = $"{validator.Path}.parameters[{i}]";
            if (!TryParseParameter(entry, parameterNames ?? [], out _, out string error))
            {
                if (parameterNames is not null || !entry.StartsWith("path.", StringComparison.Ordinal))
                {
                    checks.Error(entryPath, error);
                }
            }
        }
    }

    private static bool TryParseParameter(string entry, ImmutableArray<string> parameterNames, out RequiredParameter parameter, out string error)
    {
        parameter = null!;
        error = "";
        int dot = entry.IndexOf('.', StringComparison.Ordinal);
        string place = dot < 0 ? entry : entry[..dot];
        string name = dot < 0 ? "" : entry[(dot + 1)..];
        if (name.Length == 0 || place is not ("querystring" or "header" or "path"))
        {
            error = $"'{entry}' is not querystring.<name>, header.<name> or path.<name>";
            return false;
        }

        switch (place)
        {
            case "header":
                if (name.AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars))
                {
                    error = "not a valid header name";
                    return false;
                }

                parameter = new RequiredParameter(RequiredParameterKind.Header, Encoding.ASCII.GetBytes(name), 0, name);
                return true;
            case "querystring":
                parameter = new RequiredParameter(RequiredParameterKind.QueryString, Encoding.UTF8.GetBytes(name), 0, name);
                return true;
            default:
                int index = parameterNames.IndexOf(name);
                if (index < 0)
                {
                    error = $"the route key has no parameter {{{name}}}";
                    return false;
                }

                parameter = new RequiredParameter(RequiredParameterKind.Path, [], index, name);
                return true;
        }
    }

    private static bool TryCompile(ModelConfig model, out string error) => Compile(model, out error) is not null;

    private static JsonSchemaValidator? Compile(ModelConfig model, out string error)
    {
        try
        {
            using var document = JsonDocument.Parse(model.Schema);
            return JsonSchemaValidator.Compile(document.RootElement.Clone(), out error);
        }
        catch (JsonException ex)
        {
            error = $"not valid JSON: {ex.Message}";
            return null;
        }
    }

    /// <summary>Null when the route has no validator.</summary>
    public static RequestValidatorPolicy? Compile(RequestValidatorConfig? validator, ImmutableArray<ModelConfig> models, ImmutableArray<string> parameterNames, long maxBodyBytes)
    {
        if (validator is null)
        {
            return null;
        }

        var parameters = ImmutableArray.CreateBuilder<RequiredParameter>();
        foreach (string entry in validator.Parameters.IsDefault ? [] : validator.Parameters)
        {
            TryParseParameter(entry, parameterNames, out var parameter, out _);
            parameters.Add(parameter);
        }

        JsonSchemaValidator? body = null;
        if (validator.Body is { } name)
        {
            body = Compile(models.First(m => m.Name == name), out _);
        }

        return new RequestValidatorPolicy
        {
            Parameters = parameters.ToImmutable(),
            Body = body,
            ModelName = validator.Body,
            MaxBodyBytes = Math.Min(maxBodyBytes, RequestValidatorPolicy.MaxValidatedBodyBytes),
        };
    }
}
