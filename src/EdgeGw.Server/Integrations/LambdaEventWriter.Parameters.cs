using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Iam;
using EdgeGw.Core.Lambda;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Http1;

namespace EdgeGw.Server.Integrations;

/// <summary>The event's path parameters, stage variables and query parameters (decoded into the writer's scratch, grouped by name).</summary>
internal sealed partial class LambdaEventWriter
{
    private void WritePathParameters(Utf8JsonWriter json, LambdaIntegrationModel lambda, in RouteMatch match, ReadOnlySpan<byte> path, bool nullWhenNone)
    {
        int count = Math.Min(match.CaptureCount, lambda.ParameterNames.Length);
        if (count == 0)
        {
            if (nullWhenNone)
            {
                json.WriteNull("pathParameters"u8);
            }

            return;
        }

        json.WriteStartObject("pathParameters"u8);
        for (int i = 0; i < count; i++)
        {
            var capture = match.Captures[i];
            var raw = path.Slice(capture.Start, capture.Length);
            // Decoded into the join buffer (decoding never grows a value).
            if (_join.Length < raw.Length)
            {
                _join = new byte[Math.Max(raw.Length, _join.Length * 2)];
            }

            int length = PercentDecode(raw, _join, plusIsSpace: false);
            json.WritePropertyName(lambda.ParameterNames[i]);
            WriteTextValue(json, _join.AsSpan(0, length));
        }

        json.WriteEndObject();
    }

    private static void WriteStageVariables(Utf8JsonWriter json, LambdaIntegrationModel lambda, bool nullWhenNone)
    {
        if (lambda.StageVariables.IsEmpty)
        {
            if (nullWhenNone)
            {
                json.WriteNull("stageVariables"u8);
            }

            return;
        }

        json.WriteStartObject("stageVariables"u8);
        foreach (var variable in lambda.StageVariables)
        {
            json.WriteString(variable.Key, variable.Value);
        }

        json.WriteEndObject();
    }

    /// <summary>The query's pairs percent-decoded (<c>+</c> as space) into the decoded buffer, their offsets into the pair table.</summary>
    private void DecodeQuery(ReadOnlySpan<byte> query)
    {
        _pairCount = 0;
        if (query.IsEmpty)
        {
            return;
        }

        if (_decoded.Length < query.Length)
        {
            _decoded = new byte[Math.Max(query.Length, _decoded.Length * 2)];
        }

        int used = 0;
        foreach (var pair in new QueryPairs(query))
        {
            if (_pairs.Length < (_pairCount + 1) * 4)
            {
                Array.Resize(ref _pairs, _pairs.Length * 2);
            }

            int nameLength = PercentDecode(pair.Name, _decoded.AsSpan(used), plusIsSpace: true);
            _pairs[_pairCount * 4] = used;
            _pairs[_pairCount * 4 + 1] = nameLength;
            used += nameLength;
            int valueLength = PercentDecode(pair.Value, _decoded.AsSpan(used), plusIsSpace: true);
            _pairs[_pairCount * 4 + 2] = used;
            _pairs[_pairCount * 4 + 3] = valueLength;
            used += valueLength;
            _pairCount++;
        }
    }

    private ReadOnlySpan<byte> PairName(int p) => _decoded.AsSpan(_pairs[p * 4], _pairs[p * 4 + 1]);

    private ReadOnlySpan<byte> PairValue(int p) => _decoded.AsSpan(_pairs[p * 4 + 2], _pairs[p * 4 + 3]);

    private bool PairSeenBefore(int p)
    {
        var name = PairName(p);
        for (int q = 0; q < p; q++)
        {
            if (PairName(q).SequenceEqual(name))
            {
                return true;
            }
        }

        return false;
    }

    private void WriteQueryJoined(Utf8JsonWriter json)
    {
        for (int p = 0; p < _pairCount; p++)
        {
            if (PairSeenBefore(p))
            {
                continue;
            }

            var name = PairName(p);
            int length = 0;
            for (int q = p; q < _pairCount; q++)
            {
                if (PairName(q).SequenceEqual(name))
                {
                    if (length > 0)
                    {
                        length = Append(length, ","u8);
                    }

                    length = Append(length, PairValue(q));
                }
            }

            WriteTextName(json, name);
            WriteTextValue(json, _join.AsSpan(0, length));
        }
    }

    private void WriteQueryLast(Utf8JsonWriter json)
    {
        for (int p = 0; p < _pairCount; p++)
        {
            if (PairSeenBefore(p))
            {
                continue;
            }

            var name = PairName(p);
            int last = p;
            for (int q = p + 1; q < _pairCount; q++)
            {
                if (PairName(q).SequenceEqual(name))
                {
                    last = q;
                }
            }

            WriteTextName(json, name);
            WriteTextValue(json, PairValue(last));
        }
    }

    private void WriteQueryMulti(Utf8JsonWriter json)
    {
        for (int p = 0; p < _pairCount; p++)
        {
            if (PairSeenBefore(p))
            {
                continue;
            }

            var name = PairName(p);
            WriteTextName(json, name);
            json.WriteStartArray();
            for (int q = p; q < _pairCount; q++)
            {
                if (PairName(q).SequenceEqual(name))
                {
                    WriteTextValue(json, PairValue(q));
                }
            }

            json.WriteEndArray();
        }
    }

    /// <summary>Appends to the join buffer (grown as needed); returns the new length.</summary>
    private int Append(int length, ReadOnlySpan<byte> bytes)
    {
        if (_join.Length < length + bytes.Length)
        {
            Array.Resize(ref _join, Math.Max(length + bytes.Length, _join.Length * 2));
        }

        bytes.CopyTo(_join.AsSpan(length));
        return length + bytes.Length;
    }

    private static int PercentDecode(ReadOnlySpan<byte> input, Span<byte> output, bool plusIsSpace)
    {
        int n = 0;
        for (int i = 0; i < input.Length; i++)
        {
            byte b = input[i];
            if (b == (byte)'%' && i + 2 < input.Length && HexValue(input[i + 1]) is int hi and >= 0 && HexValue(input[i + 2]) is int lo and >= 0)
            {
                b = (byte)(hi << 4 | lo);
                i += 2;
            }
            else if (plusIsSpace && b == (byte)'+')
            {
                b = (byte)' ';
            }

            output[n++] = b;
        }

        return n;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
