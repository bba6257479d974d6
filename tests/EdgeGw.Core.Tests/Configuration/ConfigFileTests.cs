using EdgeGw.Core.Configuration;

namespace EdgeGw.Core.Tests.Configuration;

public sealed class ConfigFileTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"edgegw-config-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_path);

    private ConfigLoadResult LoadFile(string content)
    {
        File.WriteAllText(_path, content);
        return GatewayConfigLoader.LoadFile(_path, [], environment: new Dictionary<string, string>());
    }

    [Fact]
    public void LoadFile_ValidFile_CompilesAndKeepsItsBytes()
    {
        var result = LoadFile("""{ "server": { "limits": { "maxHeaderCount": 7 } } }""");
        Assert.Equal(7, result.Model!.Server.Limits.MaxHeaderCount);
        Assert.Null(result.FileError);
        Assert.Equal(File.ReadAllBytes(_path), result.Source);
    }

    [Fact]
    public void LoadFile_TruncatedJson_IsAFileErrorWithLineAndColumn()
    {
        var result = LoadFile("""{ "server":""");
        Assert.Null(result.Model);
        Assert.Empty(result.Errors);
        Assert.StartsWith($"{_path}:1:12: invalid JSON: ", result.FileError, StringComparison.Ordinal);
        Assert.Equal(result.FileError, result.Format());
    }

    [Fact]
    public void LoadFile_BadValueOnALaterLine_CountsLinesAndColumnsFromOne()
    {
        var result = LoadFile("{\n  \"server\": { \"limits\": }\n}\n");
        Assert.Equal($"{_path}:2:25: invalid JSON: '}}' is an invalid start of a value.", result.FileError);
    }

    [Fact]
    public void LoadFile_TopLevelArray_IsAFileError()
    {
        var result = LoadFile("[]");
        Assert.Equal($"{_path}:1:1: invalid config: the top-level JSON value must be an object", result.FileError);
    }

    [Fact]
    public void LoadFile_InvalidUtf8InAString_IsAFileErrorNamingItsPath()
    {
        // A Latin-1 "é" (0xE9) where UTF-8 was expected: the configuration system would read it as U+FFFD.
        byte[] bytes = [.. "{ \"apis\": [ { \"name\": \"caf"u8, 0xE9, .. "\" } ] }"u8];
        File.WriteAllBytes(_path, bytes);

        var result = GatewayConfigLoader.LoadFile(_path, [], environment: new Dictionary<string, string>());

        Assert.Null(result.Model);
        Assert.Equal($"{_path}: apis[0].name: invalid UTF-8 in a string", result.FileError);
    }

    [Fact]
    public void LoadFile_InvalidUtf8InAPropertyName_IsAFileErrorNamingItsPath()
    {
        byte[] bytes = [.. "{ \"server\": { \"x"u8, 0xFF, .. "\": 1 } }"u8];
        File.WriteAllBytes(_path, bytes);

        var result = GatewayConfigLoader.LoadFile(_path, [], environment: new Dictionary<string, string>());

        Assert.Null(result.Model);
        Assert.StartsWith($"{_path}: server.x", result.FileError, StringComparison.Ordinal);
        Assert.EndsWith(": invalid UTF-8 in a string", result.FileError, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_NonAsciiUtf8_IsAccepted()
    {
        var result = LoadFile("""{ "apis": [ { "name": "café", "stages": [ { "name": "prod" } ], "routes": [ { "key": "GET /x", "integration": { "type": "mock", "body": "日本" } } ] } ] }""");
        Assert.Null(result.FileError);
        Assert.NotNull(result.Model);
    }

    [Fact]
    public void LoadFile_DuplicateKey_IsAFileError()
    {
        var result = LoadFile("""{ "state": { "path": "a", "path": "b" } }""");
        Assert.Equal($"{_path}: invalid config: A duplicate key 'state:path' was found.", result.FileError);
    }

    [Fact]
    public void LoadFile_CommentsAndTrailingCommas_AreAccepted()
    {
        var result = LoadFile("""
            // the gateway
            { "server": { "limits": { "maxHeaderCount": 7, }, }, }
            """);
        Assert.Equal(7, result.Model!.Server.Limits.MaxHeaderCount);
    }

    [Fact]
    public void LoadFile_ByteOrderMark_IsAccepted()
    {
        File.WriteAllBytes(_path, [0xEF, 0xBB, 0xBF, .. "{}"u8]);
        Assert.NotNull(GatewayConfigLoader.LoadFile(_path, [], environment: new Dictionary<string, string>()).Model);
    }

    [Fact]
    public void LoadFile_MissingFile_IsAFileErrorNotAnEmptyConfig()
    {
        var result = GatewayConfigLoader.LoadFile(_path, [], environment: new Dictionary<string, string>());
        Assert.Null(result.Model);
        Assert.Equal($"{_path}: file not found", result.FileError);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \n\t\r\n")]
    public void LoadFile_EmptyFile_IsAFileErrorNotAnEmptyConfig(string content)
    {
        var result = LoadFile(content);
        Assert.Null(result.Model);
        Assert.Equal($"{_path}: file is empty", result.FileError);
    }
}
