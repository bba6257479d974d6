using System.Collections.Immutable;

namespace EdgeGw.Core.Routing;

/// <summary>Collects validated routes and freezes them into a <see cref="RouteTable{TRoute}"/>.</summary>
internal sealed class RouteTableBuilder<TRoute>
    where TRoute : class
{
    private const string AnyHost = "";

    private readonly Dictionary<string, Dictionary<string, StageBuilder>> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string Api, string Stage), StageBuilder> _stages = [];
    private readonly List<(string Name, IReadOnlyList<(string BasePath, string Api, string Stage)> Mappings)> _domains = [];
    private int _count;

    /// <summary>
    /// A custom domain name (lower case, or <c>*.parent</c>) whose base paths (no slashes around, "" for the
    /// catch-all) map to (API, stage) pairs added with <see cref="Add"/>; validated beforehand.
    /// </summary>
    public void AddDomain(string name, IReadOnlyList<(string BasePath, string Api, string Stage)> mappings) =>
        _domains.Add((name, mappings));

    public void Add(string api, ImmutableArray<string> hosts, string stage, RouteKey key, TRoute route)
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

    public RouteTable<TRoute> Build()
    {
        var frozen = new Dictionary<StageBuilder, StageTree<TRoute>>(ReferenceEqualityComparer.Instance);
        var bindings = new List<HostBinding<TRoute>>();
        StageSet<TRoute>? unbound = null;
        foreach (var (host, byStage) in _hosts)
        {
            var set = Freeze(byStage, frozen);
            if (host == AnyHost)
            {
                unbound = set;
            }
            else
            {
                bindings.Add(new HostBinding<TRoute>(System.Text.Encoding.ASCII.GetBytes(host.ToLowerInvariant()), set));
            }
        }

        return new RouteTable<TRoute>([.. bindings], unbound, _count, BuildDomains(frozen));
    }

    private DomainTable<TRoute>? BuildDomains(Dictionary<StageBuilder, StageTree<TRoute>> frozen)
    {
        if (_domains.Count == 0)
        {
            return null;
        }

        var exact = new Dictionary<string, DomainRoutes<TRoute>>(StringComparer.Ordinal);
        var wildcards = new Dictionary<string, DomainRoutes<TRoute>>(StringComparer.Ordinal);
        foreach (var (name, mappings) in _domains)
        {
            var byPath = new Dictionary<string, ApiMapping>(StringComparer.Ordinal);
            var trees = new Dictionary<string, StageTree<TRoute>>(StringComparer.Ordinal);
            ApiMapping? catchAll = null;
            StageTree<TRoute>? catchAllTree = null;
            int maxDepth = 0;
            foreach (var (basePath, api, stage) in mappings)
            {
                var tree = TreeOf(api, stage, frozen);
                var mapping = new ApiMapping(name, basePath);
                if (basePath.Length == 0)
                {
                    (catchAll, catchAllTree) = (mapping, tree);
                    continue;
                }

                byPath.Add(basePath, mapping);
                trees.Add(basePath, tree);
                maxDepth = Math.Max(maxDepth, basePath.Split('/').Length);
            }

            var (keys, sortedMappings) = Literals.Sorted(byPath);
            var sortedTrees = new StageTree<TRoute>[keys.Length];
            for (int i = 0; i < keys.Length; i++)
            {
                sortedTrees[i] = trees[sortedMappings[i].BasePath];
            }

            var routes = new DomainRoutes<TRoute>(keys, sortedMappings, sortedTrees, maxDepth, catchAll, catchAllTree);
            if (name.StartsWith("*.", StringComparison.Ordinal))
            {
                wildcards.Add(name[2..], routes);
            }
            else
            {
                exact.Add(name, routes);
            }
        }

        var (exactKeys, exactRoutes) = Literals.Sorted(exact);
        var (wildcardKeys, wildcardRoutes) = Literals.Sorted(wildcards);
        return new DomainTable<TRoute>(exactKeys, exactRoutes, wildcardKeys, wildcardRoutes);
    }

    /// <summary>The frozen tree of an (API, stage); an API without routes maps to a tree that matches nothing.</summary>
    private StageTree<TRoute> TreeOf(string api, string stage, Dictionary<StageBuilder, StageTree<TRoute>> frozen)
    {
        if (!_stages.TryGetValue((api, stage), out var builder))
        {
            return new StageTree<TRoute>(new TrieNode<TRoute>(), null);
        }

        if (!frozen.TryGetValue(builder, out var tree))
        {
            tree = builder.Freeze();
            frozen.Add(builder, tree);
        }

        return tree;
    }

    private static StageSet<TRoute> Freeze(Dictionary<string, StageBuilder> byStage, Dictionary<StageBuilder, StageTree<TRoute>> frozen)
    {
        var named = new Dictionary<string, StageTree<TRoute>>(StringComparer.Ordinal);
        StageTree<TRoute>? defaultStage = null;
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
        return new StageSet<TRoute>(keys, trees, defaultStage);
    }

    private sealed class StageBuilder
    {
        private readonly NodeBuilder _root = new();
        private TRoute? _default;

        public void Add(RouteKey key, TRoute route)
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
                        (node.Greedy ??= new MethodTable<TRoute>()).Add(key.Method, route, key.Shape);
                        return;
                }
            }

            (node.Endpoints ??= new MethodTable<TRoute>()).Add(key.Method, route, key.Shape);
        }

        public StageTree<TRoute> Freeze() => new(_root.Freeze(), _default);
    }

    private sealed class NodeBuilder
    {
        public Dictionary<string, NodeBuilder> Literals { get; } = new(StringComparer.Ordinal);
        public NodeBuilder? Parameter { get; set; }
        public MethodTable<TRoute>? Greedy { get; set; }
        public MethodTable<TRoute>? Endpoints { get; set; }

        public TrieNode<TRoute> Freeze()
        {
            var children = new Dictionary<string, TrieNode<TRoute>>(Literals.Count, StringComparer.Ordinal);
            foreach (var (text, child) in Literals)
            {
                children.Add(text, child.Freeze());
            }

            var (keys, nodes) = Routing.Literals.Sorted(children);
            return new TrieNode<TRoute>
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
