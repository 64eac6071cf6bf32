package dev.gantry.shared.http;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A function's routes: the single declaration the router, the CDK stack and the local server read. */
public record RouteTable<A>(String function, List<Route<A>> routes) {

    public RouteTable {
        routes = List.copyOf(routes);
        Set<String> keys = new LinkedHashSet<>();
        for (Route<A> r : routes) {
            if (!keys.add(r.routeKey())) throw new IllegalArgumentException("duplicate route " + r.routeKey());
        }
    }

    @SafeVarargs
    public static <A> RouteTable<A> of(String function, Route<A>... routes) {
        return new RouteTable<>(function, List.of(routes));
    }

    public List<String> routeKeys() {
        return routes.stream().map(Route::routeKey).toList();
    }

    /** The route and its path parameters for a request, or a reason it has none. */
    public Match<A> match(String method, String path) {
        List<String> segments = PathTemplate.split(path);
        Set<String> allowed = new LinkedHashSet<>();
        for (Route<A> route : routes) {
            Map<String, String> params = route.path().match(segments);
            if (params == null) continue;
            if (route.method().equals(method)) return new Match<>(route, params, Set.of());
            allowed.add(route.method());
        }
        return new Match<>(null, Map.of(), allowed);
    }

    /** Either a route, or the methods the path allows (empty: the path is unknown). */
    public record Match<A>(Route<A> route, Map<String, String> params, Set<String> allowedMethods) {}
}
