using System.Text;
using System.Text.Json;
using EdgeGw.Core.Configuration;

namespace EdgeGw.Core.Tests.Configuration;

public sealed class EffectiveConfigTests
{
    [Fact]
    public void Render_RedactsKeyValuesDigestsAndTheRedisPassword_AndKeepsTheRest()
    {
        var configuration = SectionFixture.Json("""
            {
              "server": { "listen": ["http://127.0.0.1:8080"] },
              "redis": { "configuration": "127.0.0.1:6379,password=hunter2-secret,ssl=false" },
              "apiKeys": { "keys": [
                { "id": "a", "value": "plain-key-value-0001", "usagePlans": ["p"] },
                { "id": "b", "sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" }
              ] },
              "admin": { "tokenFile": "/etc/edgegw/admin.token" }
            }
            """);

        string json = EffectiveConfig.Render(configuration);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;

        Assert.DoesNotContain("hunter2-secret", json, StringComparison.Ordinal);
        Assert.DoesNotContain("plain-key-value-0001", json, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdef0123", json, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1:6379,password=(redacted),ssl=false", root.GetProperty("redis").GetProperty("configuration").GetString());
        var keys = root.GetProperty("apiKeys").GetProperty("keys");
        Assert.Equal("(redacted)", keys[0].GetProperty("value").GetString());
        Assert.Equal("a", keys[0].GetProperty("id").GetString());
        Assert.Equal("p", keys[0].GetProperty("usagePlans")[0].GetString());
        Assert.Equal("(redacted)", keys[1].GetProperty("sha256").GetString());
        Assert.Equal("http://127.0.0.1:8080", root.GetProperty("server").GetProperty("listen")[0].GetString());
        Assert.Equal("/etc/edgegw/admin.token", root.GetProperty("admin").GetProperty("tokenFile").GetString());
    }

    [Fact]
    public void Render_ShowsEnvironmentAndCommandLineOverrides()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("""{ "server": { "drainTimeoutSeconds": 5 } }"""));
        var configuration = GatewayConfiguration.Build(null, stream, ["--server:drainTimeoutSeconds=9"],
            environment: new Dictionary<string, string> { ["EDGEGW_cache__maxBytes"] = "1024" });

        using var doc = JsonDocument.Parse(EffectiveConfig.Render(configuration));

        Assert.Equal("9", doc.RootElement.GetProperty("server").GetProperty("drainTimeoutSeconds").GetString());
        Assert.Equal("1024", doc.RootElement.GetProperty("cache").GetProperty("maxBytes").GetString());
    }

    [Fact]
    public void Render_KeepsListenEntryObjectsAndTrustedProxies()
    {
        var configuration = SectionFixture.Json("""
            { "server": { "listen": [ "http://127.0.0.1:8080", { "url": "http://127.0.0.1:8081", "proxyProtocol": true } ], "trustedProxies": [ "10.0.0.0/8" ] } }
            """);

        using var doc = JsonDocument.Parse(EffectiveConfig.Render(configuration));
        var server = doc.RootElement.GetProperty("server");

        Assert.Equal("http://127.0.0.1:8080", server.GetProperty("listen")[0].GetString());
        Assert.Equal("http://127.0.0.1:8081", server.GetProperty("listen")[1].GetProperty("url").GetString());
        Assert.Equal("true", server.GetProperty("listen")[1].GetProperty("proxyProtocol").ToString(), ignoreCase: true);
        Assert.Equal("10.0.0.0/8", server.GetProperty("trustedProxies")[0].GetString());
    }
}
