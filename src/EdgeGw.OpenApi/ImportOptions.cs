namespace EdgeGw.OpenApi;

/// <param name="ApiName">The API's name in the config (default: the document's <c>info.title</c>, made a name).</param>
/// <param name="Stage">The stage (default: the <c>basePath</c> server variable or the first segment of the server's path, else <c>$default</c>).</param>
/// <param name="LambdaEndpoint">
/// The Invoke API every Lambda function given by ARN is called at (<c>http://127.0.0.1:3001</c> for
/// <c>sam local start-lambda</c>), written as the integrations' <c>endpoint</c>; null: AWS itself, which needs credentials.
/// </param>
public sealed record ImportOptions(string? ApiName = null, string? Stage = null, string? LambdaEndpoint = null);
