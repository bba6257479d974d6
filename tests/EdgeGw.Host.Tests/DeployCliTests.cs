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

        // The edit reaches the stage that serves the file (once the reload is in), not the deployed one.
        File.WriteAllText(file.Path, Config("two"));
        bool live = await BodyBecomesAsync(client, port, "/t/x", "two");
        string deployed = await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/s/x"));

        Assert.True(live, "the file's edit was never served on stage t");
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

        bool switched = await BodyBecomesAsync(client, port, "/s/x", "two");

        Assert.Equal("one", before);
        Assert.True(switched, "the running gateway never served deployment 2 on stage s");
    }

    /// <summary>Asks until the path answers <paramref name="expected"/> (the gateway applies a change after its 250 ms settle time), up to 15 s.</summary>
    private static async Task<bool> BodyBecomesAsync(HttpClient client, int port, string path, string expected)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}{path}")) == expected)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
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
