using EdgeGw.Core.Tests.Configuration;

namespace EdgeGw.Core.Tests.Domains;

/// <summary><c>domains</c>: every problem reported with its JSON path; the compiled model keeps the certificate paths.</summary>
public sealed class DomainSectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegw-domains-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Apis = """
        "apis": [
          { "name": "petstore", "hosts": [ "bound.example.com" ], "stages": [ { "name": "prod" } ], "routes": [ { "key": "$default", "integration": { "type": "mock" } } ] },
          { "name": "orders", "stages": [ { "name": "v2" } ], "routes": [ { "key": "$default", "integration": { "type": "mock" } } ] } ]
        """;

    private static string J(string path) => System.Text.Json.JsonSerializer.Serialize(path);

    [Fact]
    public void ValidDomain_CompilesWithItsCertificatePaths_AndNormalizedBasePaths()
    {
        string cert = Path.Combine(_dir, "api.pem");
        string key = Path.Combine(_dir, "api.key");
        File.WriteAllText(cert, "pem");
        File.WriteAllText(key, "key");

        var model = ConfigFixture.Valid($$"""
            { {{Apis}}, "domains": [ { "name": "API.example.com", "certificate": { "certFile": {{J(cert)}}, "keyFile": {{J(key)}} },
                "mappings": [ { "path": "(none)", "api": "petstore", "stage": "prod" }, { "path": "v2/orders", "api": "orders", "stage": "v2" } ] } ] }
            """);

        var domain = Assert.Single(model.Domains);
        Assert.Equal("api.example.com", domain.Name);
        Assert.Equal((cert, key), (domain.CertFile, domain.KeyFile));
        Assert.Equal(["", "v2/orders"], domain.Mappings.Select(m => m.BasePath));
    }

    [Fact]
    public void EveryProblem_IsReportedWithItsPath()
    {
        var result = ConfigFixture.Load($$"""
            { {{Apis}}, "domains": [
              { "name": "api.example.com", "certificate": { "certFile": "/nonexistent/api.pem" }, "extra": 1,
                "mappings": [
                  { "path": "", "api": "petstore", "stage": "prod" },
                  { "path": "(none)", "api": "orders", "stage": "v2" },
                  { "path": "/v2", "api": "orders", "stage": "v2" },
                  { "path": "a//b", "api": "orders", "stage": "v2" },
                  { "path": "a/../b", "api": "orders", "stage": "v2" },
                  { "path": "a b", "api": "orders", "stage": "v2" },
                  { "path": "x", "api": "nope", "stage": "v2" },
                  { "path": "y", "api": "orders", "stage": "prod" },
                  { "path": "z", "api": "", "stage": "" } ] },
              { "name": "API.example.com", "mappings": [] },
              { "name": "https://api.example.com", "mappings": [] },
              { "name": "bound.example.com", "mappings": [] },
              { "name": "*.*.example.com", "mappings": [] },
              { "name": "*.Example.com", "mappings": [] }
            ] }
            """);

        Assert.Null(result.Model);
        Assert.Equal(
        [
            "domains[0].extra",
            "domains[0].certificate.certFile",
            "domains[0].certificate.keyFile",
            "domains[0].mappings[1].path",
            "domains[0].mappings[2].path",
            "domains[0].mappings[3].path",
            "domains[0].mappings[4].path",
            "domains[0].mappings[5].path",
            "domains[0].mappings[6].api",
            "domains[0].mappings[7].stage",
            "domains[0].mappings[8].api",
            "domains[1].name",
            "domains[2].name",
            "domains[3].name",
            "domains[4].name",
            "domains[5].name",
        ], result.Errors.Select(e => e.Path));
        var messages = result.Errors.Select(e => e.Message).ToList();
        Assert.Contains("does not exist", messages[1]);
        Assert.Contains("expected the path of", messages[2]);
        Assert.Contains("already mapped by mappings[0]", messages[3]);
        Assert.Contains("no '/' at the start or the end", messages[4]);
        Assert.Contains("no empty segment", messages[5]);
        Assert.Contains("no API is named 'nope'", messages[8]);
        Assert.Contains("API 'orders' has no stage 'prod'", messages[9]);
        Assert.Contains("defined twice", messages[11]);
        Assert.Contains("host binding of API 'petstore'", messages[13]);
        Assert.Contains("'bound.example.com' is also a host binding of API 'petstore'", messages[15]);
    }

    [Fact]
    public void BasePath_IsLimitedInSegments()
    {
        string deep = string.Join('/', Enumerable.Range(0, 17).Select(i => $"s{i}"));
        var paths = ConfigFixture.ErrorPaths($$"""
            { {{Apis}}, "domains": [ { "name": "api.example.com", "mappings": [ { "path": "{{deep}}", "api": "orders", "stage": "v2" } ] } ] }
            """);

        Assert.Equal(["domains[0].mappings[0].path"], paths);
    }
}
