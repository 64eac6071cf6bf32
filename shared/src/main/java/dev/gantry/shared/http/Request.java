package dev.gantry.shared.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.errors.ApiException;

import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.nio.charset.StandardCharsets;

/** One API request as a route sees it: path parameters, query, headers, body, caller. */
public final class Request {
    private final APIGatewayV2HTTPEvent event;
    private final String requestId;
    private final Map<String, String> pathParams;
    private final Map<String, String> headers;
    private final byte[] body;
    private Principal principal;
    private Long expectedVersion;

    Request(APIGatewayV2HTTPEvent event, String requestId, Map<String, String> pathParams, Map<String, String> headers, byte[] body) {
        this.event = event;
        this.requestId = requestId;
        this.pathParams = pathParams;
        this.headers = headers;
        this.body = body;
    }

    /** Headers keyed in lower case (API Gateway v2 already lower-cases them; the local server too). */
    static Map<String, String> lowerCaseHeaders(Map<String, String> raw) {
        if (raw == null || raw.isEmpty()) return Map.of();
        Map<String, String> out = new java.util.HashMap<>(raw.size() * 2);
        raw.forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), v));
        return out;
    }

    static byte[] bodyBytes(APIGatewayV2HTTPEvent event) {
        String raw = event.getBody();
        if (raw == null) return new byte[0];
        if (event.getIsBase64Encoded()) {
            try {
                return Base64.getDecoder().decode(raw);
            } catch (IllegalArgumentException e) {
                throw ApiException.malformedJson("the body is not valid base64");
            }
        }
        return raw.getBytes(StandardCharsets.UTF_8);
    }

    public String requestId() { return requestId; }

    public String method() { return event.getRequestContext().getHttp().getMethod(); }

    public String path() { return event.getRawPath(); }

    /** The client address as API Gateway saw it; never a client-supplied header. */
    public String sourceIp() {
        var ctx = event.getRequestContext();
        return ctx == null || ctx.getHttp() == null ? null : ctx.getHttp().getSourceIp();
    }

    public String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }

    public String pathParam(String name) { return pathParams.get(name); }

    /**
     * A cookie's value: from API Gateway v2's {@code cookies} (where it moves the Cookie header),
     * else from a {@code cookie} header. The first of that name wins; null when absent.
     */
    public String cookie(String name) {
        java.util.List<String> cookies = event.getCookies();
        if (cookies != null) {
            for (String c : cookies) {
                String v = cookieValue(c, name);
                if (v != null) return v;
            }
        }
        String header = header("cookie");
        return header == null ? null : cookieValue(header, name);
    }

    /** The value of {@code name} in a {@code a=1; b=2} list (or a single pair); null when absent. */
    static String cookieValue(String list, String name) {
        if (list == null) return null;
        for (String pair : list.split(";")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) continue;
            if (pair.substring(0, eq).trim().equals(name)) {
                String v = pair.substring(eq + 1).trim();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.substring(1, v.length() - 1);
                return v;
            }
        }
        return null;
    }

    /**
     * The host the client addressed: API Gateway's {@code requestContext.domainName} (which it
     * fills itself), else the Host header; null when neither is known.
     */
    public String host() {
        var ctx = event.getRequestContext();
        String domain = ctx == null ? null : ctx.getDomainName();
        return domain != null && !domain.isBlank() ? domain : header("host");
    }

    public String query(String name) {
        Map<String, String> q = event.getQueryStringParameters();
        return q == null ? null : q.get(name);
    }

    public byte[] rawBody() { return body; }

    public boolean hasBody() { return body.length > 0; }

    /** The body as a strict JSON object reader; an absent body reads as {@code {}}. */
    public JsonBody json() {
        return hasBody() ? new JsonBody(Json.parseBody(body)) : JsonBody.empty();
    }

    public Principal principal() {
        if (principal == null) throw new IllegalStateException("route is public; no principal");
        return principal;
    }

    /** The caller on an authenticated route; null on a public one. */
    public Principal principalOrNull() { return principal; }

    void principal(Principal principal) { this.principal = principal; }

    /**
     * The version the client's {@code If-Match} names, once the router has matched it against the
     * resource's current representation; null when the request has no If-Match. A write passes it
     * to its repository, which makes the write conditional on it (412 when it changed meanwhile).
     */
    public Long expectedVersion() { return expectedVersion; }

    void expectedVersion(Long version) { this.expectedVersion = version; }
}
