using System.Text.Json;
using EdgeGw.Core.RequestValidation;

namespace EdgeGw.Core.Tests.RequestValidation;

/// <summary>
/// The JSON Schema Test Suite's cases (draft4 and draft2020-12, the keywords API models use; files in
/// JsonSchemaTestSuite/, MIT, see NOTICE) run through EdgeGw's compiled validator. Groups that need what a model
/// cannot have (remote references) or keywords EdgeGw does not check are listed in <see cref="Unsupported"/>.
/// </summary>
public sealed class JsonSchemaTestSuiteTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "RequestValidation", "JsonSchemaTestSuite");

    /// <summary>Group descriptions skipped, with why.</summary>
    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal)
    {
        // .NET's regex engine has no ECMA-262 unicode-mode long property names (\p{Letter}): the model is refused.
        "draft2020-12/pattern.json: pattern with Unicode property escape requires unicode mode",
        "draft2020-12/patternProperties.json: patternProperties with Unicode property escape",
        // unevaluatedProperties is refused at validation (EdgeGw does not track annotations).
        "draft2020-12/not.json: collect annotations inside a 'not', even if collection is disabled",
    };

    /// <summary>The groups EdgeGw checks: every one asserts its cases.</summary>
    public static TheoryData<string, int> Groups() => Select(refused: false);

    /// <summary>The groups whose schema uses a keyword EdgeGw refuses at validation: each must be refused, not mis-decided.</summary>
    public static TheoryData<string, int> RefusedGroups() => Select(refused: true);

    private static TheoryData<string, int> Select(bool refused)
    {
        var data = new TheoryData<string, int>();
        foreach (string dialect in (string[])["draft4", "draft2020-12"])
        {
            foreach (string file in Directory.GetFiles(Path.Combine(Root, dialect), "*.json").Order(StringComparer.Ordinal))
            {
                using var document = JsonDocument.Parse(File.ReadAllText(file));
                string name = $"{dialect}/{Path.GetFileName(file)}";
                for (int i = 0; i < document.RootElement.GetArrayLength(); i++)
                {
                    var entry = document.RootElement[i];
                    if (Unsupported.Contains($"{name}: {entry.GetProperty("description").GetString()}"))
                    {
                        continue;
                    }

                    var validator = JsonSchemaValidator.Compile(entry.GetProperty("schema"), out string error, DialectOf(name));
                    bool isRefused = validator is null && error.Contains("EdgeGw does not check", StringComparison.Ordinal);
                    if (isRefused == refused)
                    {
                        data.Add(name, i);
                    }
                }
            }
        }

        return data;
    }

    private static SchemaDialect DialectOf(string file) => file.StartsWith("draft4", StringComparison.Ordinal) ? SchemaDialect.Draft4 : SchemaDialect.Draft202012;

    [Theory]
    [MemberData(nameof(RefusedGroups))]
    public void SuiteGroup_WithAKeywordEdgeGwDoesNotCheck_IsRefusedAtValidation(string file, int group)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, file)));
        var validator = JsonSchemaValidator.Compile(document.RootElement[group].GetProperty("schema"), out string error, DialectOf(file));
        Assert.Null(validator);
        Assert.Contains("EdgeGw does not check", error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void SuiteGroup_IsDecidedAsTheSuiteSays(string file, int group)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, file)));
        var entry = document.RootElement[group];
        string description = entry.GetProperty("description").GetString()!;
        var validator = JsonSchemaValidator.Compile(entry.GetProperty("schema"), out string error, DialectOf(file));

        Assert.True(validator is not null, $"{file}: {description}: {error}");
        var failures = new List<string>();
        foreach (var test in entry.GetProperty("tests").EnumerateArray())
        {
            bool expected = test.GetProperty("valid").GetBoolean();
            if (validator!.IsValid(test.GetProperty("data")) != expected)
            {
                failures.Add($"{test.GetProperty("description").GetString()} (expected {(expected ? "valid" : "invalid")})");
            }
        }

        Assert.True(failures.Count == 0, $"{file}: {description}: {string.Join("; ", failures)}");
    }
}
