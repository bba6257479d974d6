using System.Text.Json;

namespace EdgeGw.Server.Admin;

/// <summary>The admin API's JSON conventions (camelCase).</summary>
internal static class AdminJson
{
    public static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
