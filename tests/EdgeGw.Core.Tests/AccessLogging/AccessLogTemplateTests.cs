using EdgeGw.Core.AccessLogging;

namespace EdgeGw.Core.Tests.AccessLogging;

public sealed class AccessLogTemplateTests
{
    private static (AccessLogTemplate? Template, List<string> Errors) Compile(string format)
    {
        var errors = new List<string>();
        return (AccessLogTemplate.Compile(format, errors), errors);
    }

    [Fact]
    public void Compile_SplitsLiteralsAndVariables()
    {
        var (template, errors) = Compile("id=$context.requestId s=$context.status.");

        Assert.Empty(errors);
        var parts = template!.Parts;
        Assert.Equal(5, parts.Length);
        Assert.Equal("id="u8.ToArray(), parts[0].Literal);
        Assert.Equal(AccessLogVariable.RequestId, parts[1].Variable);
        Assert.Null(parts[1].Literal);
        Assert.Equal(" s="u8.ToArray(), parts[2].Literal);
        Assert.Equal(AccessLogVariable.Status, parts[3].Variable);
        Assert.Equal("."u8.ToArray(), parts[4].Literal);
        Assert.False(template.IsJson);
        Assert.Equal(AccessLogEscape.Text, parts[1].Escape);
    }

    [Fact]
    public void Compile_JsonTemplate_EscapesAsJson()
    {
        var (template, errors) = Compile(""" { "id": "$context.requestId", "status": $context.status } """);

        Assert.Empty(errors);
        Assert.True(template!.IsJson);
        Assert.All(template.Parts, p => Assert.Equal(AccessLogEscape.Json, p.Escape));
    }

    [Theory]
    [InlineData("clf", AccessLogPresets.Clf)]
    [InlineData("json", AccessLogPresets.Json)]
    [InlineData("csv", AccessLogPresets.Csv)]
    public void Presets_AreResolvedByName(string name, string source)
    {
        var (template, errors) = Compile(name);

        Assert.Empty(errors);
        Assert.Equal(source, template!.Source);
    }

    [Fact]
    public void UnknownVariables_AreEachAnError()
    {
        var (template, errors) = Compile("$context.requestId $context.bogus $context.identity.sourceIP $context.");

        Assert.Null(template);
        Assert.Equal(3, errors.Count);
        Assert.Contains("$context.bogus", errors[0]);
        Assert.Contains("$context.identity.sourceIP", errors[1]);
        Assert.Contains("names no variable", errors[2]);
    }

    [Fact]
    public void Limit_Is3KB()
    {
        string head = "$context.requestId ";
        Assert.Empty(Compile(head + new string('x', AccessLogTemplate.MaxBytes - head.Length)).Errors);

        var errors = Compile(head + new string('x', AccessLogTemplate.MaxBytes - head.Length + 1)).Errors;
        Assert.Contains(errors, e => e.Contains("3 KB"));
        // Counted in UTF-8 bytes, not characters.
        Assert.Contains(Compile(head + new string('é', AccessLogTemplate.MaxBytes / 2)).Errors, e => e.Contains("3 KB"));
    }

    [Theory]
    [InlineData("$context.status")]
    [InlineData("")]
    [InlineData("$context.requestId\n$context.status")]
    public void FormatsWithoutRequestIdEmptyOrMultiline_AreErrors(string format)
    {
        Assert.NotEmpty(Compile(format).Errors);
    }

    [Fact]
    public void DollarWithoutContext_IsLiteral()
    {
        var (template, errors) = Compile("$5 $context.requestId $stageVariables.x");

        Assert.Empty(errors);
        Assert.Equal("$5 "u8.ToArray(), template!.Parts[0].Literal);
    }
}
