namespace EdgeGw.Core.Model;

public readonly record struct StageRef(string Api, string Stage);
