namespace EdgeGw.OpenApi;

/// <param name="ApiName">The API's name in the config (default: the document's <c>info.title</c>, made a name).</param>
/// <param name="Stage">The stage (default: the <c>basePath</c> server variable or the first segment of the server's path, else <c>$default</c>).</param>
public sealed record ImportOptions(string? ApiName = null, string? Stage = null);
