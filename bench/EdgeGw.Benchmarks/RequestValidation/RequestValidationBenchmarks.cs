using System.Buffers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using EdgeGw.Core.RequestValidation;

namespace EdgeGw.Benchmarks.RequestValidation;

/// <summary>
/// Validating a 1 KiB JSON body (an order: 8 typed fields, a nested address, 6 line items) against a draft-04
/// model with required, type, enum, minimum/maximum, maxLength, pattern, items and additionalProperties — the
/// step's whole per-request work: parse (JsonDocument, pooled) and walk the compiled schema. Target ≤ 5 µs.
/// </summary>
[MemoryDiagnoser]
public class RequestValidationBenchmarks
{
    private const string Schema = """
        { "$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
          "required": ["id", "customer", "currency", "items", "address"], "additionalProperties": false,
          "properties": {
            "id": { "type": "string", "pattern": "^ord-[0-9a-f]{8}$" },
            "customer": { "type": "string", "maxLength": 64 },
            "email": { "type": "string", "maxLength": 254 },
            "currency": { "enum": ["EUR", "USD", "GBP"] },
            "priority": { "type": "integer", "minimum": 0, "maximum": 9 },
            "gift": { "type": "boolean" },
            "note": { "type": "string", "maxLength": 500 },
            "address": { "type": "object", "required": ["street", "city", "country"],
              "properties": { "street": { "type": "string" }, "city": { "type": "string" }, "zip": { "type": "string" }, "country": { "type": "string", "minLength": 2, "maxLength": 2 } } },
            "items": { "type": "array", "minItems": 1, "maxItems": 100,
              "items": { "type": "object", "required": ["sku", "quantity", "price"], "additionalProperties": false,
                "properties": { "sku": { "type": "string", "maxLength": 32 }, "quantity": { "type": "integer", "minimum": 1 },
                                "price": { "type": "number", "minimum": 0, "exclusiveMinimum": true }, "name": { "type": "string" } } } }
          } }
        """;

    private JsonSchemaValidator _validator = null!;
    private ReadOnlySequence<byte> _body;

    [GlobalSetup]
    public void Setup()
    {
        using var schema = JsonDocument.Parse(Schema);
        _validator = JsonSchemaValidator.Compile(schema.RootElement.Clone(), out string error) ?? throw new InvalidOperationException(error);
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

        _body = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body.ToString()));
        if (!_validator.IsValid(_body))
        {
            throw new InvalidOperationException("the benchmark body must be valid");
        }
    }

    [Benchmark]
    public bool Validate1KiBBody() => _validator.IsValid(_body);

    /// <summary>The parse alone (JsonDocument over the same bytes): the share of the validation that is not the schema walk.</summary>
    [Benchmark(Baseline = true)]
    public int Parse1KiBBody()
    {
        using var document = JsonDocument.Parse(_body);
        return (int)document.RootElement.ValueKind;
    }
}
