package dev.gantry.shared.http;

import java.util.Map;

/** What a route answers: a status, a body rendered as JSON (null: no body) and extra headers. */
public record Response(int status, Object body, Map<String, String> headers) {
    public static Response ok(Object body) { return new Response(200, body, Map.of()); }
    public static Response created(Object body) { return new Response(201, body, Map.of()); }
    public static Response accepted(Object body) { return new Response(202, body, Map.of()); }
    public static Response noContent() { return new Response(204, null, Map.of()); }
    public static Response redirect(String location) { return new Response(302, null, Map.of("Location", location)); }

    /** A pre-rendered JSON document (the OpenAPI document is served this way). */
    public record RawJson(byte[] bytes) {}
}
