namespace EdgeGw.OpenApi;

/// <summary>RFC 6901 pointers into the document as written (<c>/paths/~1pets~1{id}/get</c>).</summary>
internal static class JsonPointer
{
    public static string Append(string pointer, string token) =>
        $"{pointer}/{token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}";

    public static string Append(string pointer, int index) => $"{pointer}/{index}";

    /// <summary>The tokens of a local reference such as <c>#/components/schemas/Pet</c>, or null when it is not local.</summary>
    public static string[]? LocalTokens(string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            return null;
        }

        var tokens = reference[2..].Split('/');
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = Uri.UnescapeDataString(tokens[i]).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
        }

        return tokens;
    }
}
