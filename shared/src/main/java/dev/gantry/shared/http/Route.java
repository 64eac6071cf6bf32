package dev.gantry.shared.http;

/**
 * One line of a route table: method, path template, who may call it, and the method that serves
 * it. {@code A} is the function's API class, so a route is a plain method reference such as
 * {@code IdentityApi::me} and the table can be read (by the CDK stack, the local server, tests)
 * without building any client.
 */
public record Route<A>(String method, PathTemplate path, Access access, Action<A> action) {

    @FunctionalInterface
    public interface Action<A> {
        Response serve(A api, Request request);
    }

    public static <A> Route<A> get(String path, Access access, Action<A> action) {
        return new Route<>("GET", PathTemplate.of(path), access, action);
    }

    public static <A> Route<A> post(String path, Access access, Action<A> action) {
        return new Route<>("POST", PathTemplate.of(path), access, action);
    }

    public static <A> Route<A> patch(String path, Access access, Action<A> action) {
        return new Route<>("PATCH", PathTemplate.of(path), access, action);
    }

    public static <A> Route<A> put(String path, Access access, Action<A> action) {
        return new Route<>("PUT", PathTemplate.of(path), access, action);
    }

    public static <A> Route<A> delete(String path, Access access, Action<A> action) {
        return new Route<>("DELETE", PathTemplate.of(path), access, action);
    }

    /** {@code GET /v1/members/{user_id}}: the form API Gateway route keys take. */
    public String routeKey() {
        return method + " " + path.template();
    }
}
