using System.Collections.Immutable;

namespace EdgeGw.Core.Tls;

/// <summary>
/// The listener certificates, compiled: every loaded <see cref="CertificatePair"/>, an index from DNS name to
/// pair (exact names, and <c>*.example.com</c> wildcards under <c>example.com</c>), and the default pair.
/// Immutable: a hot reload builds a new store and the TLS listeners pick it up with one volatile read per
/// handshake. When two certificates claim a name, the first listed keeps it.
/// <para>
/// Built from <see cref="CertificateSource"/>s: <c>server.tls.certificates</c> first, then whatever other
/// sections add (<see cref="Build"/> takes any list; <see cref="With"/> adds loaded pairs to a store).
/// </para>
/// </summary>
public sealed class CertificateStore
{
    private readonly SniIndex<CertificatePair> _names;

    private CertificateStore(ImmutableArray<CertificateSource> sources, ImmutableArray<CertificatePair> pairs, CertificatePair? defaultPair)
    {
        Sources = sources;
        Pairs = pairs;
        Default = defaultPair;
        _names = new SniIndex<CertificatePair>(Names(pairs));
    }

    private static IEnumerable<(string, CertificatePair)> Names(ImmutableArray<CertificatePair> pairs)
    {
        foreach (var pair in pairs)
        {
            foreach (var name in pair.Names)
            {
                yield return (name, pair);
            }
        }
    }

    public static CertificateStore Empty { get; } = new([], [], null);

    /// <summary>Where each pair came from, index for index with <see cref="Pairs"/>.</summary>
    public ImmutableArray<CertificateSource> Sources { get; }
    public ImmutableArray<CertificatePair> Pairs { get; }
    /// <summary>Served to clients without SNI, or with a name no certificate has (unless such handshakes are refused); null when none is set.</summary>
    public CertificatePair? Default { get; }

    /// <summary>
    /// The certificate for <paramref name="serverName"/> (the client's SNI): an exact name, else a wildcard one
    /// label up; null when none matches (the caller falls back to <see cref="Default"/> or refuses). Allocation-free.
    /// </summary>
    public CertificatePair? Find(ReadOnlySpan<char> serverName) => _names.Find(serverName);

    /// <summary>
    /// Loads every source. A pair that fails to load is reported (its JSON path and why) and left out; the first
    /// source marked default is the default, or the only certificate when there is exactly one.
    /// </summary>
    public static CertificateStore Build(IReadOnlyList<CertificateSource> sources, List<(string Path, string Message)> errors)
    {
        var loaded = ImmutableArray.CreateBuilder<CertificatePair>();
        var kept = ImmutableArray.CreateBuilder<CertificateSource>();
        CertificatePair? defaultPair = null;
        foreach (var source in sources)
        {
            var pair = CertificatePair.TryLoad(source.CertFile, source.KeyFile, out string? error);
            if (pair is null)
            {
                errors.Add((source.JsonPath, error!));
                continue;
            }

            loaded.Add(pair);
            kept.Add(source);
            if (source.IsDefault && defaultPair is null)
            {
                defaultPair = pair;
            }
        }

        if (defaultPair is null && loaded.Count == 1 && sources.Count == 1)
        {
            defaultPair = loaded[0];
        }

        return new CertificateStore(kept.ToImmutable(), loaded.ToImmutable(), defaultPair);
    }

    /// <summary>This store with <paramref name="more"/> added after its own pairs (names already claimed stay with their first pair).</summary>
    public CertificateStore With(IReadOnlyList<(CertificateSource Source, CertificatePair Pair)> more)
    {
        var sources = Sources.ToBuilder();
        var pairs = Pairs.ToBuilder();
        var defaultPair = Default;
        foreach (var (source, pair) in more)
        {
            sources.Add(source);
            pairs.Add(pair);
            if (source.IsDefault && defaultPair is null)
            {
                defaultPair = pair;
            }
        }

        return new CertificateStore(sources.ToImmutable(), pairs.ToImmutable(), defaultPair);
    }

    /// <summary>
    /// Hot reload of the files: each pair whose certificate or key file changed (modification time or length) is
    /// loaded again. A pair that now fails to load keeps its old certificate, and the failure is reported once per
    /// change of the files (not on every check). Returns this store when nothing was replaced.
    /// </summary>
    /// <param name="failedStamps">Per source, the stamps of the last pair that failed (kept by the caller between checks).</param>
    /// <param name="reloaded">The certificate files that were replaced.</param>
    /// <param name="failures">The pairs that changed but could not be loaded, and why.</param>
    public CertificateStore Reload(Dictionary<CertificateSource, (DateTime, long, DateTime, long)> failedStamps,
        List<string> reloaded, List<(string CertFile, string Message)> failures)
    {
        ImmutableArray<CertificatePair>.Builder? pairs = null;
        for (int i = 0; i < Pairs.Length; i++)
        {
            var old = Pairs[i];
            if (!old.FilesChanged())
            {
                continue;
            }

            var source = Sources[i];
            var cert = FileStamp.Of(old.CertFile);
            var key = FileStamp.Of(old.KeyFile);
            var stamps = (cert.LastWriteUtc, cert.Length, key.LastWriteUtc, key.Length);
            if (failedStamps.TryGetValue(source, out var failed) && failed == stamps)
            {
                continue; // the same broken files as at the last check: reported already
            }

            var fresh = CertificatePair.TryLoad(old.CertFile, old.KeyFile, out string? error);
            if (fresh is null)
            {
                failedStamps[source] = stamps;
                failures.Add((old.CertFile, error!));
                continue;
            }

            failedStamps.Remove(source);
            pairs ??= Pairs.ToBuilder();
            pairs[i] = fresh;
            reloaded.Add(old.CertFile);
        }

        if (pairs is null)
        {
            return this;
        }

        int defaultIndex = Default is null ? -1 : Pairs.IndexOf(Default);
        var newPairs = pairs.ToImmutable();
        return new CertificateStore(Sources, newPairs, defaultIndex < 0 ? null : newPairs[defaultIndex]);
    }
}
