using System.Collections.Immutable;
using EdgeGw.Core.Configuration;
using EdgeGw.Core.Model;

namespace EdgeGw.Core.Routing;

/// <summary>Collects validated routes and freezes them into a <see cref="RouteTable"/>.</summary>
internal sealed class RouteTableBuilder
{
    private const string AnyHost = "";

    private readonly Dictionary<string, Dictionary<string, StageBuilder>> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string Api, string Stage), StageBuilder> _stages = [];
    private int _count;

    public void Add(string api, ImmutableArray<string> hosts, string stage, RouteKey key, RouteModel route)
    {
        if (!_stages.TryGetValue((api, stage), out var builder))
        {
            builder = new StageBuilder();
            _stages.Add((api, stage), builder);
            foreach (string host in hosts.IsDefaultOrEmpty ? [AnyHost] : hosts)
            {
                if (!_hosts.TryGetValue(host, out var byStage))
                {
                    byStage = new Dictionary<string, StageBuilder>(StringComparer.Ordinal);
                    _hosts.Add(host, byStage);
                }

                byStage.Add(stage, builder);
            }
        }

        builder.Add(key, route);
        _count++;
    }

    public RouteTable Build()
    {
        var frozen = new Dictionary<StageBuilder, StageTree>(ReferenceEqualityComparer.Instance);
        var bindings = new List<HostBinding>();
        StageSet? unbound = null;
        foreach (var (host, byStage) in _hosts)
        {
            var set = Freeze(byStage, frozen);
            if (host == AnyHost)
            {
                unbound = set;
            }
            else
            {
                bindings.Add(new HostBinding(System.Text.Encoding.ASCII.GetBytes(host.ToLowerInvariant()), set));
            }
        }

        return new RouteTable([.. bindings], unbound, _count);
    }

    private static StageSet Freeze(Dictionary<string, StageBuilder> byStage, Dictionary<StageBuilder, StageTree> frozen)
    {
        var named = new Dictionary<string, StageTree>(StringComparer.Ordinal);
        StageTree? defaultStage = null;
        foreach (var (name, builder) in byStage)
        {
            if (!frozen.TryGetValue(builder, out var tree))
            {
                tree = builder.Freeze();
                frozen.Add(builder, tree);
            }

            if (name == RouteKey.DefaultKey)
            {
                defaultStage = tree;
            }
            else
            {
                named.Add(name, tree);
            }
        }

        var (keys, trees) = Literals.Sorted(named);
        return new StageSet(keys, trees, defaultStage);
    }

    private sealed class StageBuilder
    {
        private readonly NodeBuilder _root = new();
        private RouteModel? _default;

        public void Add(RouteKey key, RouteModel route)
        {
            if (key.IsDefault)
            {
                _default = route;
                return;
            }

            var node = _root;
            foreach (var segment in key.Segments)
            {
                switch (segment.Kind)
                {
                    case RouteSegmentKind.Literal:
                        if (!node.Literals.TryGetValue(segment.Text, out var child))
                        {
                            child = new NodeBuilder();
                            node.Literals.Add(segment.Text, child);
                        }

                        node = child;
                        break;
                    case RouteSegmentKind.Parameter:
                        node = node.Parameter ??= new NodeBuilder();
                        break;
                    case RouteSegmentKind.Greedy:
                        (node.Greedy ??= new MethodTable()).Add(key.Method, route);
                        return;
                }
            }

            (node.Endpoints ??= new MethodTable()).Add(key.Method, route);
        }

        public StageTree Freeze() => new(_root.Freeze(), _default);
    }

    private sealed class NodeBuilder
    {
        public Dictionary<string, NodeBuilder> Literals { get; } = new(StringComparer.Ordinal);
        public NodeBuilder? Parameter { get; set; }
        public MethodTable? Greedy { get; set; }
        public MethodTable? Endpoints { get; set; }

        public TrieNode Freeze()
        {
            var children = new Dictionary<string, TrieNode>(Literals.Count, StringComparer.Ordinal);
            foreach (var (text, child) in Literals)
            {
                children.Add(text, child.Freeze());
            }

            var (keys, nodes) = Routing.Literals.Sorted(children);
            return new TrieNode
            {
                LiteralKeys = keys,
                LiteralChildren = nodes,
                Parameter = Parameter?.Freeze(),
                Greedy = Greedy,
                Endpoints = Endpoints,
            };
        }
    }
}
