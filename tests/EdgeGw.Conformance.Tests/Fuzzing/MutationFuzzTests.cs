using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeGw.Conformance.Tests.DesyncGuardian;
using EdgeGw.Conformance.Tests.Infrastructure;
using EdgeGw.Conformance.Tests.Llhttp;
using Xunit.Abstractions;

namespace EdgeGw.Conformance.Tests.Fuzzing;

/// <summary>
/// A mutation fuzzer over the gateway's framing (head scanner, request and response parsers, chunked decoder),
/// seeded with every llhttp and desync-guardian case. Each mutated input is framed whole and cut into random
/// pieces; the properties are: no exception, no input takes longer than a second, and the verdict does not
/// depend on where the bytes were cut (a segmentation-dependent parser is a request-smuggling vector).
/// <para>
/// CI runs a fixed seed for <c>EDGEGW_FUZZ_SECONDS</c> (default 25: about 10 million inputs in a Debug build). A longer run, by hand:
/// <c>EDGEGW_FUZZ_SECONDS=600 EDGEGW_FUZZ_SEED=7 dotnet test tests/EdgeGw.Conformance.Tests -c Release --filter Fuzz --logger "console;verbosity=detailed"</c>.
/// A failure prints the seed, the iteration and the input in hex.
/// </para>
/// </summary>
public sealed class MutationFuzzTests(ITestOutputHelper output)
{
    private static readonly byte[][] Dictionary =
    [
        .. new[]
        {
            "\r\n", "\n", "\r", " ", "\t", ":", ";", ",", "\"", "0", "1", "9", "f", "F", "-", "+", "\0", "\x7f",
            "\r\n\r\n", "0\r\n\r\n", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "GET ", "POST ", "Host: x\r\n",
            "Content-Length: ", "Content-Length: 0\r\n", "Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n",
            "Transfer-Encoding: ", "chunked", "gzip, chunked", "Connection: close\r\n", "Expect: 100-continue\r\n",
            ";ext=\"v\"", "ffffffffffffffff", "99999999999999999999",
        }.Select(Encoding.Latin1.GetBytes),
        [0xFF], [0x80], [0xC3, 0xA9],
    ];

    [CorpusFact]
    public void Mutations_NeverThrowHangOrDependOnSegmentation()
    {
        int seconds = Setting("EDGEGW_FUZZ_SECONDS", 25);
        int seed = Setting("EDGEGW_FUZZ_SEED", 20261125);
        long maxInputs = Setting("EDGEGW_FUZZ_INPUTS", int.MaxValue);
        var seeds = Seeds();
        var random = new Random(seed);
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        long inputs = 0;
        long rejected = 0;
        var slowest = TimeSpan.Zero;
        var failures = new List<string>();
        while (clock.Elapsed.TotalSeconds < seconds && inputs < maxInputs && failures.Count < 5)
        {
            var (origin, kind) = seeds[random.Next(seeds.Count)];
            byte[] input = Mutate(origin, seeds, random);
            bool endOfInput = random.Next(2) == 0;
            int[] cuts = Cuts(input.Length, random);
            inputs++;
            var started = clock.Elapsed;
            try
            {
                var whole = WireDriver.Drive(input, kind, endOfInput, []);
                var split = WireDriver.Drive(input, kind, endOfInput, cuts);
                rejected += whole.Rejected ? 1 : 0;
                if (split.Rejected != whole.Rejected || split.Error != whole.Error || split.Messages.Count != whole.Messages.Count || split.BodyBytes != whole.BodyBytes)
                {
                    failures.Add($"segmentation changed the verdict: whole {whole}, cut at [{string.Join(',', cuts)}] {split}; {Describe(seed, inputs, kind, input)}");
                }
            }
            catch (Exception ex)
            {
                failures.Add($"{ex.GetType().Name}: {ex.Message}; {Describe(seed, inputs, kind, input)}");
            }

            var took = clock.Elapsed - started;
            if (took > slowest)
            {
                slowest = took;
            }

            if (took > TimeSpan.FromSeconds(1))
            {
                failures.Add($"took {took.TotalMilliseconds:F0} ms; {Describe(seed, inputs, kind, input)}");
            }
        }

        long heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        output.WriteLine($"fuzz: heap growth over the run {heapGrowth / 1024} KiB");
        output.WriteLine($"fuzz: seed {seed}, {inputs:N0} inputs in {clock.Elapsed.TotalSeconds:F1} s ({inputs / clock.Elapsed.TotalSeconds:N0}/s), " +
            $"{rejected:N0} rejected, slowest {slowest.TotalMilliseconds:F2} ms, {failures.Count} failure(s), {seeds.Count} seeds");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(inputs > 1000, $"only {inputs} inputs ran");
        Assert.True(heapGrowth < 16 * 1024 * 1024, $"the heap grew by {heapGrowth / 1024} KiB over the run");
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : fallback;

    private static List<(byte[] Input, MessageKind Kind)> Seeds()
    {
        var seeds = new List<(byte[], MessageKind)>();
        foreach (var test in LlhttpRunner.Cases)
        {
            seeds.Add((test.Input, test.IsRequest ? MessageKind.Request : MessageKind.Response));
        }

        foreach (var test in DesyncRunner.Cases)
        {
            seeds.Add((test.ToWire(), MessageKind.Request));
        }

        return seeds;
    }

    private static byte[] Mutate(byte[] origin, List<(byte[] Input, MessageKind Kind)> seeds, Random random)
    {
        var bytes = new List<byte>(origin);
        int mutations = 1 + random.Next(4);
        for (int m = 0; m < mutations; m++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count + 1);
            switch (random.Next(7))
            {
                case 0 when bytes.Count > 0:
                    bytes[Math.Min(at, bytes.Count - 1)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 2:
                    bytes.InsertRange(at, Dictionary[random.Next(Dictionary.Length)]);
                    break;
                case 3 when bytes.Count > 0:
                    int start = Math.Min(at, bytes.Count - 1);
                    bytes.RemoveRange(start, Math.Min(bytes.Count - start, 1 + random.Next(8)));
                    break;
                case 4 when bytes.Count > 0:
                    int from = random.Next(bytes.Count);
                    int length = Math.Min(bytes.Count - from, 1 + random.Next(16));
                    bytes.InsertRange(at, bytes.GetRange(from, length));
                    break;
                case 5:
                    // Splice: a piece of another seed (pipelines one message into another).
                    var other = seeds[random.Next(seeds.Count)].Input;
                    if (other.Length > 0)
                    {
                        int otherFrom = random.Next(other.Length);
                        bytes.InsertRange(at, other.AsSpan(otherFrom, Math.Min(other.Length - otherFrom, 1 + random.Next(64))).ToArray());
                    }

                    break;
                default:
                    // Replace a digit run with a boundary number (lengths, chunk sizes).
                    int digit = bytes.FindIndex(Math.Min(at, bytes.Count), b => b is >= (byte)'0' and <= (byte)'9');
                    if (digit >= 0)
                    {
                        string[] numbers = ["0", "1", "65535", "2147483647", "2147483648", "9223372036854775807", "9223372036854775808", "18446744073709551616"];
                        bytes.RemoveAt(digit);
                        bytes.InsertRange(digit, Encoding.ASCII.GetBytes(numbers[random.Next(numbers.Length)]));
                    }

                    break;
            }
        }

        // Bounded: a fuzz input never exceeds 64 KiB, so memory stays flat over millions of inputs.
        return bytes.Count > 65536 ? [.. bytes.GetRange(0, 65536)] : [.. bytes];
    }

    private static int[] Cuts(int length, Random random)
    {
        if (length < 2)
        {
            return [];
        }

        var cuts = new SortedSet<int>();
        int count = 1 + random.Next(3);
        for (int i = 0; i < count; i++)
        {
            cuts.Add(1 + random.Next(length - 1));
        }

        return [.. cuts];
    }

    private static string Describe(int seed, long iteration, MessageKind kind, byte[] input) =>
        $"seed {seed}, input #{iteration}, {kind}, {input.Length} bytes: {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 2048)))}";
}
