using EdgeGw.Core.UsagePlans;
using Microsoft.Extensions.Time.Testing;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.UsagePlans;

public sealed class AccessStateFileTests : IDisposable
{
    private const string Json = """
        { "usagePlans": [ { "name": "gold", "stages": ["a/s"] } ],
          "apis": [ { "name": "a", "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", "integration": { "type": "mock" } } ] } ] }
        """;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 15, 12, 0, 0, TimeSpan.Zero));
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"edgegw-state-tests-{Guid.NewGuid():N}");

    [Fact]
    public void FirstWrite_CreatesTheDirectoryForTheUserOnly()
    {
        string directory = Path.Combine(_root, "state", "edgegw");
        string path = Path.Combine(directory, "edgegw-state.json");
        using var access = new AccessControl(Valid(Json), _time);
        using var state = new AccessStateFile(access, path, TimeSpan.FromHours(1));
        Assert.Equal(path, state.Path);
        Assert.False(Directory.Exists(directory));

        Assert.NotNull(access.CreateKey("runtime-1", ["gold"], out string? error));
        Assert.Null(error);

        Assert.True(File.Exists(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        }
    }

    [Fact]
    public void UnreadableFile_IsOneLineNamingItAndTheError_AndIsKeptUntilSomethingChanges()
    {
        Directory.CreateDirectory(_root);
        string path = Path.Combine(_root, "edgegw-state.json");
        File.WriteAllText(path, """{ "version": 1, "keys": [""");
        var lines = new List<string>();
        using var access = new AccessControl(Valid(Json), _time);

        using (var state = new AccessStateFile(access, path, TimeSpan.FromSeconds(5), lines.Add))
        {
            Assert.NotNull(state.LoadError);
            Assert.StartsWith($"{path}: ", state.LoadError, StringComparison.Ordinal);
            Assert.True(state.LoadError.Length > path.Length + 2, "the error itself follows the file name");
            Assert.Equal([$"state file not loaded, starting without its keys and quota usage (it is replaced when they change): {state.LoadError}"], lines);

            _time.Advance(TimeSpan.FromSeconds(5)); // a flush interval with nothing to save
            state.Flush();
        }

        Assert.Equal("""{ "version": 1, "keys": [""", File.ReadAllText(path));
        Assert.Single(lines);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
