using System.Collections.Immutable;

namespace EdgeGw.Core.Model;

/// <summary>
/// A custom domain name (AWS's <c>DomainName</c>): its name, the certificate files it is served with over TLS
/// (paths as written, checked to exist; the TLS listener's certificate store loads them) and its API mappings.
/// The routing part is compiled into <see cref="GatewayModel.Routes"/>; this is the operator's view.
/// </summary>
public sealed record DomainModel(string Name, string? CertFile, string? KeyFile, ImmutableArray<ApiMappingModel> Mappings);

/// <summary>One API mapping: <see cref="BasePath"/> (empty for <c>(none)</c>) to an API's stage.</summary>
public sealed record ApiMappingModel(string BasePath, string Api, string Stage);
