using System.Text;
using EdgeGw.Core.Tracing;

namespace EdgeGw.Core.Tests.Tracing;

/// <summary>The W3C tracestate list: member grammar and the 32-member / 512-character limits, over several field lines.</summary>
public sealed class TraceStateTests
{
    private static bool Valid(string value) => TraceState.IsValid(Encoding.UTF8.GetBytes(value));

    [Theory]
    [InlineData("rojo=00f067aa0ba902b7")]
    [InlineData("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")]
    [InlineData("rojo=00f067aa0ba902b7 , congo=t61rcWkgMzE")]
    [InlineData("rojo=1,,congo=2")] // empty members are allowed
    [InlineData("a/b_c-d*e=1")]
    [InlineData("fw529a3039@dt=abc")]
    [InlineData("0tenant@vendor=x")]
    [InlineData("k=a value with spaces")]
    [InlineData("k=!\"#$%&'()*+-./:;<>?@[]^_`{|}~")]
    [InlineData("")]
    public void Valid_IsKept(string value)
    {
        Assert.True(Valid(value));
    }

    [Theory]
    [InlineData("Rojo=1")] // upper-case key
    [InlineData("1rojo=1")] // a simple key starts with a letter
    [InlineData("rojo")] // no '='
    [InlineData("=1")]
    [InlineData("rojo=")] // empty value
    [InlineData("rojo=a,b")] // "b" is not a member
    [InlineData("rojo=a=b")] // '=' in a value
    [InlineData("rojo=\u00e9")]
    [InlineData("t@V=1")] // system id starts lower-case
    [InlineData("t@abcdefghijklmno=1")] // system id over 14
    [InlineData("@v=1")]
    [InlineData("t@=1")]
    public void Invalid_IsDropped(string value)
    {
        Assert.False(Valid(value));
    }

    [Fact]
    public void OptionalWhitespace_AroundAMember_IsNotPartOfItsValue()
    {
        Assert.True(Valid("rojo=trailing \t"));
        Assert.False(Valid("rojo=1,x=\t")); // only whitespace after '=' is an empty value
    }

    [Fact]
    public void ThirtyTwoMembers_AreKept_ThirtyThree_Dropped()
    {
        string list32 = string.Join(",", Enumerable.Range(0, 32).Select(i => $"k{i}=v"));

        Assert.True(Valid(list32));
        Assert.False(Valid(list32 + ",k32=v"));
    }

    [Fact]
    public void MoreThan512Characters_IsDropped()
    {
        string key = "k=";
        Assert.True(Valid(key + new string('v', 256)));
        string at512 = string.Join(",", "a=" + new string('v', 254), "b=" + new string('v', 253));
        Assert.Equal(512, at512.Length);
        Assert.True(Valid(at512));
        Assert.False(Valid(at512 + "c"));
        Assert.False(Valid("k=" + new string('v', 257))); // a value is 256 characters at most
    }

    [Fact]
    public void SeveralLines_CountAsOneList()
    {
        int members = 0, length = 0;
        for (int i = 0; i < 16; i++)
        {
            Assert.True(TraceState.Accumulate(Encoding.ASCII.GetBytes($"a{i}=1,b{i}=2"), ref members, ref length));
        }

        Assert.Equal(32, members);
        Assert.False(TraceState.Accumulate("c=3"u8, ref members, ref length));
    }
}
