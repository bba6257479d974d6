namespace EdgeGw.OpenApi;

/// <summary>
/// A construct of the OpenAPI document that EdgeGw does not carry over (or carries over differently), named by the
/// JSON pointer of where it stands in the document as written, as AWS's import "warnings" are.
/// </summary>
public sealed record ImportWarning(string Pointer, string Message)
{
    public override string ToString() => $"{(Pointer.Length == 0 ? "/" : Pointer)}: {Message}";
}
