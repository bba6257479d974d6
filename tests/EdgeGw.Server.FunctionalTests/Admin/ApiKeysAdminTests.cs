using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using static EdgeGw.Server.FunctionalTests.Access.AccessTests;

namespace EdgeGw.Server.FunctionalTests.Admin;

/// <summary>The admin API's <c>/apikeys</c> endpoints, on the shop API of the access tests.</summary>
public sealed class ApiKeysAdminTests : IDisposable
{
    private readonly string _statePath = Path.Combine(Path.GetTempPath(), $"edgegw-state-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_statePath);

    private string Config() => Access.AccessTests.Config(_statePath);

    [Fact]
    public async Task AdminApi_CreatesListsDisablesAndDeletesKeys_AndReportsUsage()
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();

        using var created = await admin.PostAsJsonAsync("/apikeys", new { id = "partner", usagePlans = new[] { "gold" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        string plain = body.GetProperty("value").GetString()!;

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/prod/items", plain)).Status);
        string usage = await admin.GetStringAsync("/apikeys/partner/usage");
        Assert.Contains("\"used\":1", usage, StringComparison.Ordinal);
        Assert.Contains("\"remaining\":4", usage, StringComparison.Ordinal);

        string list = await admin.GetStringAsync("/apikeys");
        Assert.Contains("\"id\":\"partner\"", list, StringComparison.Ordinal);
        Assert.DoesNotContain(plain, list, StringComparison.Ordinal);

        using var disabled = await admin.PostAsync("/apikeys/partner/disable", null);
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(client, "/prod/items", plain)).Status);

        using var duplicate = await admin.PostAsJsonAsync("/apikeys", new { id = "partner", usagePlans = new[] { "gold" } });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        using var twoPlansOneStage = await admin.PostAsJsonAsync("/apikeys", new { usagePlans = new[] { "gold", "silver" } });
        Assert.Equal(HttpStatusCode.BadRequest, twoPlansOneStage.StatusCode);
        using var configKey = await admin.DeleteAsync("/apikeys/gold");
        Assert.Equal(HttpStatusCode.Conflict, configKey.StatusCode);

        using var deleted = await admin.DeleteAsync("/apikeys/partner");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.DoesNotContain("partner", await admin.GetStringAsync("/apikeys"), StringComparison.Ordinal);
    }
}
