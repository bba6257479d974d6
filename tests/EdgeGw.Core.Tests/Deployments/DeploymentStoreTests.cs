using EdgeGw.Core.Deployments;

namespace EdgeGw.Core.Tests.Deployments;

public sealed class DeploymentStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"edgegw-store-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Create_NumbersFromOne_PerApi_AndReadsBack()
    {
        var store = new DeploymentStore(_directory);
        var when = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

        var first = store.Create("pets", """{"name":"pets","routes":[]}""", "first", when);
        var second = store.Create("pets", """{"name":"pets"}""", null, when);
        var other = store.Create("orders/v2", """{"name":"orders/v2"}""", null, when);
        var read = store.Read("pets", 1, out string? error);

        Assert.Equal((1, 2, 1), (first.Id, second.Id, other.Id));
        Assert.Null(error);
        Assert.Equal(first with { ConfigJson = read!.ConfigJson }, read);
        Assert.Equal("""{"name":"pets","routes":[]}""", read.ConfigJson);
        Assert.Equal(["orders/v2#1", "pets#1", "pets#2"], store.List().Select(d => $"{d.Api}#{d.Id}"));
        Assert.Equal([1, 2], store.List("pets").Select(d => d.Id));
    }

    [Fact]
    public async Task Create_FromManyWritersAtOnce_GivesEveryOneItsOwnNumber()
    {
        var store = new DeploymentStore(_directory);
        using var start = new ManualResetEventSlim();
        var writers = Enumerable.Range(0, 8).Select(i => Task.Run(() =>
        {
            start.Wait();
            return store.Create("pets", $$"""{"n":{{i}}}""", null, DateTimeOffset.UnixEpoch).Id;
        })).ToArray();

        start.Set();
        int[] ids = await Task.WhenAll(writers);

        Assert.Equal(Enumerable.Range(1, 8), ids.Order());
    }

    [Fact]
    public void Stages_RoundTrip_AndAMissingFileIsEmpty()
    {
        var store = new DeploymentStore(_directory);
        var empty = store.ReadStages(out string? none);
        store.WriteStages(new() { ["pets"] = new() { ["prod"] = new StagePointer(3, CanaryEnded: 4), ["beta"] = new StagePointer(null, 2) } });

        var read = store.ReadStages(out string? error);

        Assert.Empty(empty);
        Assert.Null(none);
        Assert.Null(error);
        Assert.Equal(new StagePointer(3, 4), read["pets"]["prod"]);
        Assert.Equal(new StagePointer(null, 2), read["pets"]["beta"]);
        Assert.Equal((byte)'{', store.StagesBytes()![0]);
    }

    [Fact]
    public void Stages_KeepAStoredCanary_WithEveryKey()
    {
        var store = new DeploymentStore(_directory);
        var canary = new StoredCanary(5, 12.5, [new("version", "v2")], UseStageCache: true, StickyCookie: "session");
        store.WriteStages(new() { ["pets"] = new() { ["prod"] = new StagePointer(4, Canary: canary) } });

        var read = store.ReadStages(out _)["pets"]["prod"].Canary!;

        Assert.Equal((5, 12.5, true, null, "session"), (read.Deployment, read.PercentTraffic, read.UseStageCache, read.StickyHeader, read.StickyCookie));
        Assert.Equal([new KeyValuePair<string, string>("version", "v2")], read.StageVariableOverrides!);
    }

    [Fact]
    public void Read_MissingOrCorrupt_IsAnErrorNotAnException()
    {
        var store = new DeploymentStore(_directory);
        Directory.CreateDirectory(Path.Combine(_directory, "pets"));
        File.WriteAllText(Path.Combine(_directory, "pets", "1.json"), "not json");
        File.WriteAllText(store.StagesPath, "[1]");

        Assert.Null(store.Read("pets", 1, out string? corrupt));
        Assert.Null(store.Read("pets", 2, out string? missing));
        store.ReadStages(out string? stages);

        Assert.Contains("1.json", corrupt, StringComparison.Ordinal);
        Assert.Contains("no deployment 2", missing, StringComparison.Ordinal);
        Assert.Contains("expected a JSON object", stages, StringComparison.Ordinal);
    }
}
