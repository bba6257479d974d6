using System.Text;

namespace EdgeGw.Core.Iam;

/// <summary>
/// The compiled <c>iam</c> section: the region and service every credential scope must name, and the credentials
/// sorted by access key id (found by binary search on the request's bytes, no string made).
/// </summary>
public sealed class IamSettings
{
    private readonly IamCredential[] _credentials;

    internal IamSettings(string region, string service, IEnumerable<(string AccessKeyId, string Secret, string Principal)> credentials)
    {
        Region = Encoding.ASCII.GetBytes(region);
        Service = Encoding.ASCII.GetBytes(service);
        var list = new List<IamCredential>();
        foreach (var (accessKeyId, secret, principal) in credentials)
        {
            list.Add(new IamCredential(accessKeyId, secret, principal, Region, Service));
        }

        list.Sort((a, b) => a.AccessKey.SequenceCompareTo(b.AccessKey));
        _credentials = [.. list];
    }

    /// <summary>The region credential scopes must name (<c>iam.region</c>).</summary>
    public byte[] Region { get; }

    /// <summary>The service credential scopes must name (<c>iam.service</c>, <c>execute-api</c> by default).</summary>
    public byte[] Service { get; }

    public int Count => _credentials.Length;

    /// <summary>The credential with access key id <paramref name="accessKey"/>; null when none is configured.</summary>
    public IamCredential? Find(ReadOnlySpan<byte> accessKey)
    {
        int low = 0;
        int high = _credentials.Length - 1;
        while (low <= high)
        {
            int mid = (low + high) >>> 1;
            int order = _credentials[mid].AccessKey.SequenceCompareTo(accessKey);
            if (order == 0)
            {
                return _credentials[mid];
            }

            if (order < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return null;
    }
}
