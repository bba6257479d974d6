namespace EdgeGw.Conformance.Tests.Infrastructure;

/// <summary>Locates the third-party corpora in <c>../shared/conformance</c> beside the checkout (never copied into the repo).</summary>
internal static class Corpus
{
    public const string MissingMessage = "../shared/conformance not found beside the checkout: conformance corpora unavailable, suite skipped";

    private static readonly Lazy<string?> Root = new(Find);

    /// <summary>The corpus folder, or null when it is absent.</summary>
    public static string? Directory => Root.Value;

    public static string PathOf(string relative) =>
        System.IO.Path.Combine(Directory ?? throw new InvalidOperationException(MissingMessage), relative);

    private static string? Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "EdgeGw.sln")))
        {
            directory = directory.Parent;
        }

        if (directory?.Parent is null)
        {
            return null;
        }

        string candidate = System.IO.Path.Combine(directory.Parent.FullName, "shared", "conformance");
        return System.IO.Directory.Exists(candidate) ? candidate : null;
    }
}

/// <summary>A fact that skips, saying why, when the corpora are absent.</summary>
public sealed class CorpusFactAttribute : FactAttribute
{
    public CorpusFactAttribute()
    {
        if (Corpus.Directory is null)
        {
            Skip = Corpus.MissingMessage;
        }
    }
}

/// <summary>A theory that skips, saying why, when the corpora are absent (its data is then never enumerated).</summary>
public sealed class CorpusTheoryAttribute : TheoryAttribute
{
    public CorpusTheoryAttribute()
    {
        if (Corpus.Directory is null)
        {
            Skip = Corpus.MissingMessage;
        }
    }
}
