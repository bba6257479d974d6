namespace EdgeGw.Core.Routing;

/// <summary>
/// The API mapping of a custom domain name that a request matched: what an access log prints as
/// <c>$context.customDomain.basePathMatched</c> (<see cref="BasePath"/>, empty for the <c>(none)</c> mapping)
/// and the domain it belongs to. Compiled once; a match only copies the reference.
/// </summary>
public sealed class ApiMapping
{
    public ApiMapping(string domainName, string basePath)
    {
        DomainName = domainName;
        BasePath = basePath;
        BasePathBytes = System.Text.Encoding.ASCII.GetBytes(basePath);
    }

    /// <summary>The domain's name as configured (lower case; <c>*.example.com</c> for a wildcard domain).</summary>
    public string DomainName { get; }
    /// <summary>The base path without slashes around it (<c>v2/orders</c>); empty for the catch-all mapping.</summary>
    public string BasePath { get; }
    public byte[] BasePathBytes { get; }
}
