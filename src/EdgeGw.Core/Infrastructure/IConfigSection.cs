using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Infrastructure;

/// <summary>
/// One top-level part of <c>edgegw.json</c>, owned by its feature folder: it reads its keys into its own records
/// (type errors and unknown keys reported with their JSON paths), then checks them. Both steps report and go on,
/// so one pass over every section finds every problem. Compilation into the runtime model is typed per section
/// and composed by the configuration loader once no section reported an error.
/// </summary>
internal interface IConfigSection
{
    /// <summary>Reads this section's root key(s) from the merged configuration; absent keys take the section's defaults.</summary>
    void Read(IConfiguration root, ConfigReader reader);

    /// <summary>Checks what <see cref="Read"/> produced (ranges, names, references to other sections).</summary>
    void Validate(ConfigChecks checks);
}
