namespace EdgeGw.Core.Model;

public readonly record struct UriTemplatePart(UriTemplatePartKind Kind, byte[] Literal, int CaptureIndex);
