namespace EdgeGw.Core.ParameterMapping;

/// <summary>What a mapping key does (<c>overwrite:</c>, <c>append:</c>, <c>remove:</c>).</summary>
public enum MappingAction : byte
{
    Overwrite,
    Append,
    Remove,
}

/// <summary>One compiled <c>action:header.Name</c> or <c>action:querystring.name</c>: the name as bytes and its value.</summary>
public sealed record MappingOperation(MappingAction Action, byte[] Name, MappingValue Value)
{
    /// <summary>The client's (or backend's) occurrences of <see cref="Name"/> are not passed on.</summary>
    public bool DropsOriginal => Action != MappingAction.Append;
}
