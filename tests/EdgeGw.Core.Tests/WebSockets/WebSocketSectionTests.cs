using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Tests.Configuration;
using EdgeGw.Core.WebSockets;

namespace EdgeGw.Core.Tests.WebSockets;

public sealed class WebSocketSectionTests
{
    [Theory]
    [InlineData("$connect", true)]
    [InlineData("$disconnect", true)]
    [InlineData("$default", true)]
    [InlineData("sendMessage", true)]
    [InlineData("$custom", false)]
    [InlineData("", false)]
    [InlineData("tab\there", false)]
    public void IsRouteKey_AcceptsReservedKeysAndPlainNames(string key, bool expected) =>
        Assert.Equal(expected, WebSocketSection.IsRouteKey(key));

    [Fact]
    public void Read_Absent_IsTheSharedDefault()
    {
        var config = WebSocketSection.Read(new ConfigReader([]), SectionFixture.Json("{}").GetSection("webSocket"), "webSocket");

        Assert.Same(WebSocketApiConfig.Default, config);
    }

    [Fact]
    public void Compile_OriginsAndLimits()
    {
        var errors = new List<ConfigError>();
        var section = SectionFixture.Json("""
            { "webSocket": { "allowedOrigins": [ "https://App.example.com" ], "subprotocols": [ "chat" ], "idleTimeoutSeconds": 30 },
              "any": { "allowedOrigins": [ "https://a.example", "*" ] } }
            """);
        var ws = WebSocketSection.Read(new ConfigReader(errors), section.GetSection("webSocket"), "webSocket");
        var any = WebSocketSection.Read(new ConfigReader(errors), section.GetSection("any"), "any");
        WebSocketSection.Validate(new ConfigChecks(errors), null, ws, "apis[0]");
        Assert.Empty(errors);

        Assert.Equal("https://app.example.com"u8.ToArray(), Assert.Single(WebSocketSection.CompileOrigins(ws)));
        Assert.Empty(WebSocketSection.CompileOrigins(any));
        Assert.Equal("chat"u8.ToArray(), Assert.Single(WebSocketSection.CompileSubprotocols(ws)));
        Assert.Equal(new WebSocketLimits(32 * 1024, 128 * 1024, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(7200), 1024 * 1024), WebSocketSection.CompileLimits(ws));
    }
}
