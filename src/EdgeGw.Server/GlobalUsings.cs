// The route table is generic over what it routes to (Core.Routing depends on Protocols only); the server
// routes to RouteModel everywhere, so it names the closed match type once.
global using RouteMatch = EdgeGw.Core.Routing.RouteMatch<EdgeGw.Core.Model.RouteModel>;
