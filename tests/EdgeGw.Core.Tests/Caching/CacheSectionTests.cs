using EdgeGw.Core.Caching;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Tests.Configuration;

namespace EdgeGw.Core.Tests.Caching;

public sealed class CacheSectionTests
{
    [Fact]
    public void Compile_Store_EncodesTheStatusHeader()
    {
        var section = new CacheSection();
        Assert.Empty(SectionFixture.Run(section, """{ "cache": { "maxBytes": 4096, "maxEntryBytes": 1024, "statusHeader": "X-Edge-Cache", "coalesceTimeoutMs": 0 } }"""));

        var store = section.Compile();

        Assert.Equal((4096L, 1024), (store.MaxBytes, store.MaxEntryBytes));
        Assert.Equal("X-Edge-Cache"u8.ToArray(), store.StatusHeader);
        Assert.Equal(TimeSpan.Zero, store.CoalesceTimeout);
    }

    [Fact]
    public void Compile_Absent_IsTheDefaultStore()
    {
        var section = new CacheSection();
        Assert.Empty(SectionFixture.Run(section, "{}"));

        Assert.Equal(CacheStoreSettings.Default.MaxBytes, section.Compile().MaxBytes);
        Assert.Equal(CacheStoreSettings.Default.StatusHeader, section.Compile().StatusHeader);
    }

    [Fact]
    public void CompilePolicy_RouteFieldsOverrideTheStage_AbsentOnesInherit()
    {
        var errors = new List<ConfigError>();
        var reader = new ConfigReader(errors);
        var root = SectionFixture.Json("""
            { "stage": { "enabled": true, "ttlSeconds": 60, "keyQuery": [ "q" ] },
              "route": { "ttlSeconds": 5, "methods": [ "GET", "POST" ] } }
            """);
        var stage = CacheSection.ReadPolicy(reader, root.GetSection("stage"), "stage");
        var route = CacheSection.ReadPolicy(reader, root.GetSection("route"), "route");
        Assert.Empty(errors);

        var policy = CacheSection.CompilePolicy("api", "prod", stage, "GET /x", route)!;

        Assert.Equal(TimeSpan.FromSeconds(5), policy.Ttl);
        Assert.Equal((1 << (int)Protocols.Http1.HttpMethod.Get) | (1 << (int)Protocols.Http1.HttpMethod.Post), policy.MethodMask);
        Assert.Equal("q"u8.ToArray(), Assert.Single(policy.KeyQuery));
        Assert.Null(CacheSection.CompilePolicy("api", "prod", CacheConfig.None, "GET /x", route));
    }
}
