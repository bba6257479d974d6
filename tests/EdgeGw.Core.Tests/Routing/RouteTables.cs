using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.Tests.Configuration;

namespace EdgeGw.Core.Tests.Routing;

/// <summary>A 300-route API (AWS's per-API route limit) shaped like a real one: resources, ids, nested collections.</summary>
internal static class RouteTables
{
    public static byte[][] SamplePaths { get; } =
    [
        "/prod/resource0"u8.ToArray(),
        "/prod/resource29/123"u8.ToArray(),
        "/prod/resource17/abc/items"u8.ToArray(),
        "/prod/resource5/abc/items/77"u8.ToArray(),
        "/prod/resource11/abc/files/a/b/c.txt"u8.ToArray(),
    ];

    public static GatewayModel ThreeHundredRoutes()
    {
        var routes = new StringBuilder();
        string[] shapes = ["GET /resource{0}", "GET /resource{0}/{{id}}", "POST /resource{0}", "GET /resource{0}/{{id}}/items",
            "GET /resource{0}/{{id}}/items/{{item}}", "PUT /resource{0}/{{id}}", "DELETE /resource{0}/{{id}}", "ANY /resource{0}/{{id}}/files/{{path+}}",
            "PATCH /resource{0}/{{id}}", "OPTIONS /resource{0}"];
        for (int i = 0; i < 30; i++)
        {
            foreach (string shape in shapes)
            {
                routes.Append("{ \"key\": \"").Append(string.Format(System.Globalization.CultureInfo.InvariantCulture, shape, i))
                    .Append("\", \"integration\": { \"type\": \"mock\" } },");
            }
        }

        routes.Length--;
        return ConfigFixture.Valid($$"""
            { "apis": [ { "name": "big", "hosts": [ "api.example.com" ], "stages": [ { "name": "prod" } ], "routes": [ {{routes}} ] } ] }
            """);
    }
}
