using System.Net.Http;
using System.Text.Json;

namespace EdgeGw.Host.Tests;

/// <summary><c>edgegw deploy</c>: a deployment written by the CLI, beside a running gateway that switches the stage over.</summary>
public sealed class DeployCliTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"edgegw-deploy-cli-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private string Config(string body) => $$"""
        { "deployments": { "directory": {{JsonSerializer.Serialize(_directory)}} },
          "apis": [ { "name": "a", "stages": [ { "name": "s" }, { "name": "t" } ],
          "routes": [ { "key": "GET /x", "integration": { "type": "mock", "body": "{{body}}" } } ] } ] }
        """;

    [Fact]
    public async Task Deploy_WhileTheGatewayRuns_TheStageServesTheDeployment_AndFileEditsNoLongerReachIt()
    {
        using var file = TempFile.Json(Config("one"));
        await using var gateway = GatewayProcess.Start(["--config", file.Path, "--server:listen:0=http://127.0.0.1:0"]);
        int port = await gateway.WaitForListeningAsync();
        using var client = new HttpClient();

        await using (var deploy = GatewayProcess.Start(["deploy", "--api", "a", "--stage", "s", "--description", "first", "--config", file.Path]))
        {
            Assert.Equal(0, await deploy.WaitForExitAsync(Timeout));
            Assert.Contains("deployment 1 of API 'a' created", deploy.Output, StringComparison.Ordinal);
        }

        // The deploy is picked up as a reload (the stages file changed); then the edit reaches the stage that
        // serves the file, not the deployed one.
        await WaitForReloadAsync(gateway, 1);
        File.WriteAllText(file.Path, Config("two"));
        await WaitForReloadAsync(gateway, 2);
        string live = await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/t/x"));
        string deployed = await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/s/x"));

        Assert.Equal("two", live);
        Assert.Equal("one", deployed);
        Assert.True(File.Exists(Path.Combine(_directory, "a", "1.json")));
    }

    [Fact]
    public async Task Deploy_ASecondTime_TheRunningGatewaySwitchesWithoutAFileEdit()
    {
        using var file = TempFile.Json(Config("one"));
        await using (var first = GatewayProcess.Start(["deploy", "--api", "a", "--stage", "s", "--config", file.Path]))
        {
            Assert.Equal(0, await first.WaitForExitAsync(Timeout));
        }

        File.WriteAllText(file.Path, Config("two"));
        await using var gateway = GatewayProcess.Start(["--config", file.Path, "--server:listen:0=http://127.0.0.1:0"]);
        int port = await gateway.WaitForListeningAsync();
        using var client = new HttpClient();
        string before = await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/s/x"));

        await using (var second = GatewayProcess.Start(["deploy", "--api", "a", "--stage", "s", "--config", file.Path]))
        {
            Assert.Equal(0, await second.WaitForExitAsync(Timeout));
            Assert.Contains("deployment 2 of API 'a' created", second.Output, StringComparison.Ordinal);
        }

        await WaitForReloadAsync(gateway, 1);
        string after = await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/s/x"));

        Assert.Equal("one", before);
        Assert.Equal("two", after);
    }

    /// <summary>
    /// Waits for the gateway's <paramref name="count"/>-th "reloaded" line: a deploy (the stages file, polled once a
    /// second) or a file edit applied, after its settle time. The configuration is swapped before the line is written.
    /// </summary>
    private static Task WaitForReloadAsync(GatewayProcess gateway, int count)
    {
        int seen = 0;
        return gateway.WaitForLineAsync(line => line.Contains(" reloaded (", StringComparison.Ordinal) && ++seen == count, TimeSpan.FromSeconds(15));
    }

    [Theory]
    [InlineData("nope", "s", 1, "edgegw deploy: no API 'nope' in the configuration")]
    [InlineData("a", "nope", 1, "edgegw deploy: API 'a' has no stage 'nope'")]
    public async Task Deploy_UnknownApiOrStage_ExitsOneAndWritesNothing(string api, string stage, int exit, string message)
    {
        using var file = TempFile.Json(Config("one"));
        await using var deploy = GatewayProcess.Start(["deploy", "--api", api, "--stage", stage, "--config", file.Path]);

        Assert.Equal(exit, await deploy.WaitForExitAsync(Timeout));
        Assert.Equal(message, deploy.Output);
        Assert.False(Directory.Exists(Path.Combine(_directory, "a")));
    }

    [Fact]
    public async Task Deploy_WithCanary_MakesTheNewDeploymentTheStagesCanary()
    {
        using var file = TempFile.Json(Config("one"));
        await using (var first = GatewayProcess.Start(["deploy", "--api", "a", "--stage", "s", "--config", file.Path]))
        {
            Assert.Equal(0, await first.WaitForExitAsync(Timeout));
        }

        File.WriteAllText(file.Path, Config("two"));
        await using var canary = GatewayProcess.Start(["deploy", "--api", "a", "--stage", "s", "--canary", "100", "--config", file.Path]);
        Assert.Equal(0, await canary.WaitForExitAsync(Timeout));
        await using var gateway = GatewayProcess.Start(["--config", file.Path, "--server:listen:0=http://127.0.0.1:0"]);
        int port = await gateway.WaitForListeningAsync();
        using var client = new HttpClient();

        Assert.Equal("deployment 2 of API 'a' created in " + _directory + "; it serves 100% of stage 's' as its canary", canary.Output);
        Assert.Equal("two", await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/s/x")));
    }

    [Fact]
    public async Task Deploy_CanaryWithoutStage_IsAUsageError()
    {
        await using var deploy = GatewayProcess.Start(["deploy", "--api", "a", "--canary", "10"]);

        Assert.Equal(2, await deploy.WaitForExitAsync(Timeout));
        Assert.StartsWith("edgegw: deploy: --canary needs --stage\n", deploy.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_WithoutApi_IsAUsageError()
    {
        await using var deploy = GatewayProcess.Start(["deploy", "--stage", "s"]);

        Assert.Equal(2, await deploy.WaitForExitAsync(Timeout));
        Assert.StartsWith("edgegw: deploy: --api NAME is required\n", deploy.Output, StringComparison.Ordinal);
    }
}
