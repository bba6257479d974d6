using EdgeGw.Core.Tls;
using EdgeGw.Tests.Tls;

namespace EdgeGw.Core.Tests.Tls;

public sealed class CertificateStoreTests : IDisposable
{
    private readonly TestCertificates _certs = new();

    public void Dispose() => _certs.Dispose();

    private CertificateStore Build(params CertificateSource[] sources)
    {
        var errors = new List<(string, string)>();
        var store = CertificateStore.Build(sources, errors);
        Assert.Empty(errors);
        return store;
    }

    private CertificateSource Source(string file, string[] names, bool isDefault = false, bool rsa = false)
    {
        var (cert, key, _) = _certs.Leaf(file, names, rsa);
        return new CertificateSource(cert, key, isDefault, file);
    }

    [Fact]
    public void Find_ExactName_IgnoresCaseAndTrailingDot()
    {
        var store = Build(Source("api", ["api.example.com"]));

        Assert.Same(store.Pairs[0], store.Find("api.example.com"));
        Assert.Same(store.Pairs[0], store.Find("API.Example.COM"));
        Assert.Same(store.Pairs[0], store.Find("api.example.com."));
        Assert.Null(store.Find("example.com"));
        Assert.Null(store.Find(""));
    }

    [Fact]
    public void Find_Wildcard_StandsForExactlyOneLabel()
    {
        var store = Build(Source("wild", ["*.example.com"]));

        Assert.Same(store.Pairs[0], store.Find("a.example.com"));
        Assert.Null(store.Find("example.com"));
        Assert.Null(store.Find("a.b.example.com"));
        Assert.Null(store.Find("aexample.com"));
        Assert.Null(store.Find(".example.com"));
    }

    [Fact]
    public void Find_ExactName_WinsOverWildcard_AndFirstListedKeepsADuplicateName()
    {
        var store = Build(Source("wild", ["*.example.com"]), Source("exact", ["api.example.com"]), Source("again", ["api.example.com", "other.test"]));

        Assert.Same(store.Pairs[1], store.Find("api.example.com"));
        Assert.Same(store.Pairs[0], store.Find("www.example.com"));
        Assert.Same(store.Pairs[2], store.Find("other.test"));
    }

    [Fact]
    public void Build_DefaultIsTheMarkedOne_OrTheOnlyOne()
    {
        Assert.NotNull(Build(Source("only", ["a.test"])).Default);
        var two = Build(Source("a", ["a.test"]), Source("b", ["b.test"], isDefault: true));
        Assert.Same(two.Pairs[1], two.Default);
        Assert.Null(Build(Source("c", ["c.test"]), Source("d", ["d.test"])).Default);
    }

    [Fact]
    public void Build_RsaAndEcdsa_LoadWithTheirNames()
    {
        var store = Build(Source("rsa", ["rsa.test"], rsa: true), Source("ec", ["ec.test", "*.ec.test"]));

        Assert.Equal(["rsa.test"], store.Pairs[0].Names.ToArray());
        Assert.Equal(["ec.test", "*.ec.test"], store.Pairs[1].Names.ToArray());
        Assert.True(store.Pairs[0].Leaf.HasPrivateKey);
        Assert.True(store.Pairs[1].Leaf.HasPrivateKey);
    }

    [Fact]
    public void Build_ChainInCertFile_TheLeafIsServed()
    {
        var (cert, key, leaf) = _certs.Leaf("chain", ["chain.test"], withChain: true);
        var store = Build(new CertificateSource(cert, key, false, "x"));

        Assert.Equal(leaf.Thumbprint, store.Pairs[0].Leaf.Thumbprint);
    }

    [Fact]
    public void Build_MissingFileOrMismatchedKey_IsReportedWithItsPath()
    {
        var (certA, _, _) = _certs.Leaf("a", ["a.test"]);
        var (_, keyB, _) = _certs.Leaf("b", ["b.test"]);
        var errors = new List<(string Path, string Message)>();

        var store = CertificateStore.Build(
            [new CertificateSource(Path.Combine(_certs.Directory, "nope.pem"), keyB, false, "p0"), new CertificateSource(certA, keyB, false, "p1")], errors);

        Assert.Empty(store.Pairs);
        Assert.Equal(["p0", "p1"], errors.Select(e => e.Path));
        Assert.Contains("cannot read certificate file", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("does not match", errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_ChangedFiles_NewPair_BrokenFiles_OldPairKeptAndReportedOnce()
    {
        var source = Source("r", ["r.test"], isDefault: true);
        var store = Build(source);
        var failed = new Dictionary<CertificateSource, (DateTime, long, DateTime, long)>();
        var reloaded = new List<string>();
        var failures = new List<(string, string)>();

        Assert.Same(store, store.Reload(failed, reloaded, failures));

        _certs.Leaf("r", ["r.test", "new.test"]);
        TestCertificates.Touch(source.CertFile, 5);
        var fresh = store.Reload(failed, reloaded, failures);
        Assert.NotSame(store, fresh);
        Assert.Same(fresh.Pairs[0], fresh.Find("new.test"));
        Assert.Same(fresh.Pairs[0], fresh.Default);
        Assert.Equal([source.CertFile], reloaded);

        // A key from another certificate: refused, the previous pair stays, and a second look reports nothing new.
        var (_, otherKey, _) = _certs.Leaf("other", ["other.test"]);
        File.Copy(otherKey, source.KeyFile, overwrite: true);
        TestCertificates.Touch(source.KeyFile, 10);
        Assert.Same(fresh, fresh.Reload(failed, reloaded, failures));
        Assert.Single(failures);
        Assert.Same(fresh, fresh.Reload(failed, reloaded, failures));
        Assert.Single(failures);
    }
}
