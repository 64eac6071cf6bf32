package dev.gantry.shared.http;

import java.util.Map;

/**
 * What a route answers: a status, a body rendered as JSON (null: no body) and extra headers.
 * {@code version} (may be null) is the stored version of the single resource a GET answers; when
 * it is set, a write with {@code If-Match} is made conditional on that version, so the check and
 * the write are one atomic step (see {@link WriteGuards}).
 */
public record Response(int status, Object body, Map<String, String> headers, Long version) {
    public Response(int status, Object body, Map<String, String> headers) {
        this(status, body, headers, null);
    }

    public static Response ok(Object body) { return new Response(200, body, Map.of()); }
    public static Response created(Object body) { return new Response(201, body, Map.of()); }
    public static Response accepted(Object body) { return new Response(202, body, Map.of()); }
    public static Response noContent() { return new Response(204, null, Map.of()); }
    public static Response redirect(String location) { return new Response(302, null, Map.of("Location", location)); }

    /** A 200 for a versioned resource: the version makes If-Match on its writes atomic. */
    public static Response ok(Object body, long version) { return new Response(200, body, Map.of(), version); }

    /** A pre-rendered JSON document (the OpenAPI document is served this way). */
    public record RawJson(byte[] bytes) {}
}
