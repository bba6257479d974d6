using EdgeGw.Core.Caching;

namespace EdgeGw.Core.Tests.Caching;

public sealed class FrequencySketchTests
{
    [Fact]
    public void Estimate_CountsUpToTheCeiling()
    {
        var sketch = new FrequencySketch(1000);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(Math.Min(i, 15), sketch.Estimate(12345));
            sketch.Increment(12345);
        }
    }

    [Fact]
    public void Aging_HalvesOldPopularity()
    {
        var sketch = new FrequencySketch(256);
        for (int i = 0; i < 8; i++)
        {
            sketch.Increment(7);
        }

        // 256 expected entries: 4,096 counters, halved after 2,560 additions. Cross that once.
        var random = new Random(1);
        for (int i = 0; i < 2_600; i++)
        {
            sketch.Increment((ulong)random.NextInt64());
        }

        Assert.InRange(sketch.Estimate(7), 3, 5);
    }
}
