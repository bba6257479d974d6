namespace EdgeGw.OpenApi;

/// <param name="ApiName">The API to export (default: the config's only HTTP API).</param>
/// <param name="Stage">The stage written as the server's <c>basePath</c> (default: the API's first).</param>
/// <param name="AwsExtensions">Write the <c>x-amazon-apigateway-*</c> extensions (<c>--extensions aws</c>, the default), or plain OpenAPI (<c>none</c>).</param>
public sealed record ExportOptions(string? ApiName = null, string? Stage = null, bool AwsExtensions = true);
