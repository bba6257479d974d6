using System.Text;
using EdgeGw.Core.Tracing;

namespace EdgeGw.Core.Tests.Tracing;

/// <summary>The W3C Trace Context traceparent rules (version 00 and later versions), on header values.</summary>
public sealed class TraceParentTests
{
    private const string Valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static bool Parse(string value, out TraceParent parent) => TraceParent.TryParse(Encoding.ASCII.GetBytes(value), out parent);

    [Fact]
    public void Version00_IsRead()
    {
        Assert.True(Parse(Valid, out var parent));

        Assert.Equal(0x4bf92f3577b34da6UL, parent.TraceIdHigh);
        Assert.Equal(0xa3ce929d0e0e4736UL, parent.TraceIdLow);
        Assert.Equal(0x00f067aa0ba902b7UL, parent.ParentId);
        Assert.True(parent.Sampled);
    }

    [Fact]
    public void NotSampled_FlagIsRead()
    {
        Assert.True(Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", out var parent));

        Assert.False(parent.Sampled);
    }

    [Fact]
    public void UnknownFlags_AreKept_OnlyTheSampledBitMeansSomething()
    {
        Assert.True(Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-fe", out var parent));

        Assert.Equal(0xfe, parent.Flags);
        Assert.False(parent.Sampled);
    }

    [Theory]
    [InlineData("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like")]
    [InlineData("fe-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-")]
    public void FutureVersion_IsReadAsVersion00(string value)
    {
        Assert.True(Parse(value, out var parent));

        Assert.Equal(0x00f067aa0ba902b7UL, parent.ParentId);
        Assert.True(parent.Sampled);
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0")] // short
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-")] // version 00 with more
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-010")]
    [InlineData("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")] // version ff is invalid
    [InlineData("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what")] // a later version's fields after '-' only
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01")] // all-zero trace id
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")] // all-zero parent id
    [InlineData("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")] // upper-case hex
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A")]
    [InlineData("0G-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")] // wrong separators
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01")] // misplaced '-'
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b.-01")]
    [InlineData(" 0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ")] // not trimmed: not ours to guess
    public void Invalid_IsRejected(string value)
    {
        Assert.False(Parse(value, out var parent));
        Assert.Equal(default, parent.ParentId);
    }

    [Fact]
    public void Write_ProducesVersion00_WithTheSampledFlag()
    {
        var buffer = new byte[TraceParent.Length];

        TraceParent.Write(buffer, 0x4bf92f3577b34da6UL, 0xa3ce929d0e0e4736UL, 0x00f067aa0ba902b7UL, sampled: true);
        Assert.Equal(Valid, Encoding.ASCII.GetString(buffer));
        TraceParent.Write(buffer, 1, 2, 3, sampled: false);
        Assert.Equal("00-00000000000000010000000000000002-0000000000000003-00", Encoding.ASCII.GetString(buffer));
    }

    [Fact]
    public void WrittenHeader_ReadsBack()
    {
        var buffer = new byte[TraceParent.Length];
        ulong high = TraceIds.Next(), low = TraceIds.Next(), span = TraceIds.Next();

        TraceParent.Write(buffer, high, low, span, sampled: true);

        Assert.True(TraceParent.TryParse(buffer, out var parent));
        Assert.Equal((high, low, span, true), (parent.TraceIdHigh, parent.TraceIdLow, parent.ParentId, parent.Sampled));
    }

    [Fact]
    public void Parse_AndIds_AllocateNothing()
    {
        byte[] value = Encoding.ASCII.GetBytes(Valid);
        var buffer = new byte[TraceParent.Length];
        for (int i = 0; i < 1000; i++)
        {
            TraceParent.TryParse(value, out _);
            TraceParent.Write(buffer, TraceIds.Next(), TraceIds.Next(), TraceIds.Next(), sampled: false);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            TraceParent.TryParse(value, out _);
            TraceParent.Write(buffer, TraceIds.Next(), TraceIds.Next(), TraceIds.Next(), sampled: false);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Ids_AreNeverZero_AndDiffer()
    {
        var seen = new HashSet<ulong>();
        for (int i = 0; i < 10_000; i++)
        {
            ulong id = TraceIds.Next();
            Assert.NotEqual(0UL, id);
            Assert.True(seen.Add(id));
        }
    }

    [Fact]
    public void Sampler_Ratio0_SamplesNone_Ratio1_All_AndAHalf_AboutHalf()
    {
        int half = 0;
        for (int i = 0; i < 10_000; i++)
        {
            ulong low = TraceIds.Next();
            Assert.False(Sampler.Sample(low, Sampler.Threshold(0)));
            Assert.True(Sampler.Sample(low, Sampler.Threshold(1)));
            half += Sampler.Sample(low, Sampler.Threshold(0.5)) ? 1 : 0;
        }

        Assert.InRange(half, 4500, 5500);
    }
}
