using System.Text;
using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.UsagePlans;

/// <summary>One API key bound to a model: its digest, whether it is enabled, its plans and quota counters.</summary>
internal sealed class ApiKeyState(string id, byte[] digest, bool enabled, int[] planIndexes, QuotaCounter?[] quotas)
{
    public string Id { get; } = id;
    public byte[] IdBytes { get; } = Encoding.UTF8.GetBytes(id);
    public byte[] Digest { get; } = digest;
    public bool Enabled { get; } = enabled;
    public int[] PlanIndexes { get; } = planIndexes;
    public QuotaCounter?[] Quotas { get; } = quotas;
}
