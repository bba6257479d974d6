using EdgeGw.Core.Configuration;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.Upstream;

public sealed class ClusterRetriesConfigTests
{
    [Fact]
    public void Retries_Absent_TakesTheDefault()
    {
        var model = Valid("""{ "clusters": [ { "name": "c", "destinations": [ "127.0.0.1:81" ] } ] }""");

        Assert.Equal(EdgeGw.Core.Model.ClusterModel.DefaultRetries, Assert.Single(model.Clusters).Retries);
        Assert.Equal(2, EdgeGw.Core.Model.ClusterModel.DefaultRetries);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public void Retries_InRange_IsCompiled(int retries)
    {
        var model = Valid($$"""{ "clusters": [ { "name": "c", "destinations": [ "127.0.0.1:81" ], "retries": {{retries}} } ] }""");

        Assert.Equal(retries, Assert.Single(model.Clusters).Retries);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(11)]
    public void Retries_OutOfRange_IsAnErrorAtItsPath(int retries)
    {
        var result = Load($$"""{ "clusters": [ { "name": "c", "destinations": [ "127.0.0.1:81" ], "retries": {{retries}} } ] }""");

        Assert.Null(result.Model);
        var error = Assert.Single(result.Errors);
        Assert.Equal("clusters[0].retries", error.Path);
        Assert.Equal($"{retries} is outside 0..10", error.Message);
    }
}
