using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeGw.Core.ParameterMapping;

namespace EdgeGw.Benchmarks.ParameterMapping;

/// <summary>
/// A <c>$request.body</c> source over a 1 KiB JSON body (an order: fields, a nested address, 6 line items): the
/// evaluator's whole per-request work for one mapped value — scan the buffered body with Utf8JsonReader to the
/// path and write the value into the scratch. Contiguous and two-segment bodies (the pipe's usual shapes).
/// </summary>
[MemoryDiagnoser]
public class BodyMappingBenchmarks
{
    private readonly byte[] _scratch = new byte[MappingEvaluator.MaxValueBytes];
    private MappingValue _customer = null!;
    private MappingValue _lastSku = null!;
    private MappingValue _address = null!;
    private ReadOnlySequence<byte> _body;
    private ReadOnlySequence<byte> _split;

    [GlobalSetup]
    public void Setup()
    {
        _customer = Compile("$request.body.customer");
        _lastSku = Compile("${request.body.items[5].sku}");
        _address = Compile("$request.body.address");
        var body = new StringBuilder("""{"id":"ord-8f14e45f","customer":"Ada Lovelace","email":"ada@example.com","currency":"EUR","priority":3,"gift":false,""");
        body.Append("""  "note":"Leave at the door, please; ring twice.","address":{"street":"12 Analytical Engine Row","city":"London","zip":"NW1 6XE","country":"GB"},"items":[""");
        for (int i = 0; i < 6; i++)
        {
            body.Append(i == 0 ? "" : ",").Append("""{"sku":"SKU-000""").Append(i).Append("""-BLUE-XL","quantity":""").Append(i + 1).Append(""","price":19.99,"name":"Difference engine gear, brass, size """).Append(i).Append("\"}");
        }

        body.Append("]}");
        while (body.Length < 1024)
        {
            body.Insert(body.Length - 1, ' ');
        }

        byte[] data = Encoding.UTF8.GetBytes(body.ToString());
        _body = new ReadOnlySequence<byte>(data);
        _split = Split(data, data.Length / 2);
        if (Run(_customer, _body) != "Ada Lovelace".Length || Run(_lastSku, _split) != "SKU-0005-BLUE-XL".Length || Run(_address, _body) == 0)
        {
            throw new InvalidOperationException("The body paths do not find their values.");
        }
    }

    [Benchmark(Baseline = true)]
    public int FirstLevelString() => Run(_customer, _body);

    [Benchmark]
    public int IndexedNestedString() => Run(_lastSku, _body);

    [Benchmark]
    public int IndexedNestedString_TwoSegments() => Run(_lastSku, _split);

    [Benchmark]
    public int ObjectRawText() => Run(_address, _body);

    private int Run(MappingValue value, ReadOnlySequence<byte> body)
    {
        MappingEvaluator.TryEvaluate(value, new MappingInput { Body = body }, default, _scratch, out int written);
        return written;
    }

    private static MappingValue Compile(string source) =>
        MappingValue.Compile(source, MappingValue.Side.Request, [], [], out string error) ?? throw new InvalidOperationException(error);

    private static ReadOnlySequence<byte> Split(byte[] data, int at)
    {
        var first = new Segment(data.AsMemory(0, at).ToArray(), 0);
        var second = new Segment(data.AsMemory(at).ToArray(), at);
        first.SetNext(second);
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, long runningIndex)
        {
            Memory = data;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
