namespace EdgeGw.Core.AccessLogging;

/// <summary>
/// The named formats: AWS's console presets for CLF and CSV, and a JSON line with the fields most asked of an
/// access log (the default). A format that is not one of these names is a template.
/// </summary>
public static class AccessLogPresets
{
    public const string Clf = "$context.identity.sourceIp - - [$context.requestTime] \"$context.httpMethod $context.path $context.protocol\" $context.status $context.responseLength $context.requestId";

    public const string Csv = "$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId";

    public const string Json = "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\",\"requestTime\":\"$context.requestTime\"," +
        "\"httpMethod\":\"$context.httpMethod\",\"path\":\"$context.path\",\"routeKey\":\"$context.routeKey\",\"stage\":\"$context.stage\"," +
        "\"status\":\"$context.status\",\"protocol\":\"$context.protocol\",\"responseLength\":\"$context.responseLength\"," +
        "\"responseLatency\":\"$context.responseLatency\",\"integrationLatency\":\"$context.integrationLatency\"," +
        "\"integrationStatus\":\"$context.integrationStatus\",\"errorType\":\"$context.error.responseType\",\"userAgent\":\"$context.identity.userAgent\"}";

    /// <summary>The preset's template for a name (<c>clf</c>, <c>json</c>, <c>csv</c>), else null.</summary>
    public static string? Find(string name) => name switch
    {
        "clf" => Clf,
        "json" => Json,
        "csv" => Csv,
        _ => null,
    };
}
