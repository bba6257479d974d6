namespace EdgeGw.Core.Model;

public enum LoadBalancingPolicy : byte
{
    RoundRobin,
    PowerOfTwoChoices,
}
