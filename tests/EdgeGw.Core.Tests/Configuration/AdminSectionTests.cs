using System.Security.Cryptography;
using System.Text;
using EdgeGw.Core.Configuration;

namespace EdgeGw.Core.Tests.Configuration;

public sealed class AdminSectionTests
{
    [Fact]
    public void Validate_RemoteListener_NeedsAllowRemote()
    {
        Assert.Equal(["admin.listen[0]"], SectionFixture.Paths(SectionFixture.Run(new AdminSection(), """{ "admin": { "listen": ["http://0.0.0.0:9901"] } }""")));

        var allowed = new AdminSection();
        Assert.Empty(SectionFixture.Run(allowed, """{ "admin": { "listen": ["http://0.0.0.0:9901"], "allowRemote": true } }"""));
        Assert.Equal(["http://0.0.0.0:9901"], allowed.Compile().Listen.ToArray());
    }

    [Fact]
    public void Compile_Absent_ListensOnLoopback()
    {
        var section = new AdminSection();
        Assert.Empty(SectionFixture.Run(section, "{}"));

        Assert.Equal([AdminSection.DefaultListen], section.Compile().Listen.ToArray());
        Assert.Null(section.Compile().TokenDigest);
    }

    [Fact]
    public void Compile_TokenFile_KeepsTheDigestOfTheTrimmedToken()
    {
        using var file = new TempFile("  0123456789abcdef-token \n");
        var section = new AdminSection();

        Assert.Empty(SectionFixture.Run(section, Config(file.Path)));

        var digest = section.Compile().TokenDigest;
        Assert.NotNull(digest);
        Assert.Equal(SHA256.HashData("0123456789abcdef-token"u8), digest.Value.ToArray());
    }

    [Fact]
    public void Validate_TokenShorterThan16_IsAnError()
    {
        using var file = new TempFile("short-token-15c\n");

        var errors = SectionFixture.Run(new AdminSection(), Config(file.Path));

        Assert.Equal(["admin.tokenFile"], SectionFixture.Paths(errors));
        Assert.Contains("at least 16", errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnreadableTokenFile_IsAnErrorNamingTheFile()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"edgegw-no-such-token-{Guid.NewGuid():N}");

        var errors = SectionFixture.Run(new AdminSection(), Config(missing));

        Assert.Equal(["admin.tokenFile"], SectionFixture.Paths(errors));
        Assert.Contains(missing, errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RemoteListenerWithToken_StillNeedsAllowRemote()
    {
        using var file = new TempFile("0123456789abcdef");

        var refused = SectionFixture.Run(new AdminSection(), $$"""{ "admin": { "listen": ["http://0.0.0.0:9901"], "tokenFile": {{JsonPath(file.Path)}} } }""");
        var allowed = SectionFixture.Run(new AdminSection(), $$"""{ "admin": { "listen": ["http://0.0.0.0:9901"], "allowRemote": true, "tokenFile": {{JsonPath(file.Path)}} } }""");

        Assert.Equal(["admin.listen[0]"], SectionFixture.Paths(refused));
        Assert.Empty(allowed);
    }

    private static string Config(string tokenFile) => $$"""{ "admin": { "tokenFile": {{JsonPath(tokenFile)}} } }""";

    private static string JsonPath(string path) => System.Text.Json.JsonSerializer.Serialize(path);

    private sealed class TempFile : IDisposable
    {
        public TempFile(string contents)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"edgegw-token-{Guid.NewGuid():N}");
            File.WriteAllText(Path, contents, new UTF8Encoding(false));
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
