namespace EdgeGw.Core.Deployments;

/// <summary>
/// One immutable, numbered snapshot of an API's definition (everything under <c>apis[]</c> but its stages), as the
/// config file held it when it was deployed. <paramref name="ConfigJson"/> is that JSON object.
/// </summary>
public sealed record Deployment(int Id, string Api, DateTimeOffset CreatedDate, string? Description, string ConfigJson);

/// <summary>What the deployment store holds for one stage: the deployment it serves (null: the file, live) and a canary the admin API ended.</summary>
/// <param name="CanaryEnded">The deployment of a canary that was promoted or deleted: the file's <c>canary</c> naming it is ignored from then on.</param>
public sealed record StagePointer(int? Deployment, int? CanaryEnded = null);
