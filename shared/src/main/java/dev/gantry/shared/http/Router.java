package dev.gantry.shared.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.gantry.shared.auth.Authenticator;
import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.limits.RateLimitDecision;
import dev.gantry.shared.limits.RateLimiter;
import dev.gantry.shared.observability.Metrics;
import dev.gantry.shared.observability.Tracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP adapter every API function shares: API Gateway v2 event in, response out. It matches
 * the route, enforces body size and media type, authenticates, checks the role, calls the route
 * and renders its result or its error. Routes never catch: this is the one error mapper.
 */
public final class Router<A> {
    public static final int DEFAULT_MAX_BODY_BYTES = 256 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final RouteTable<A> table;
    private final A api;
    private final Authenticator authenticator;
    private final int maxBodyBytes;
    private final WriteGuards<A> guards;
    private final RateLimiter limiter;
    private final Metrics metrics;

    public Router(RouteTable<A> table, A api, Authenticator authenticator) {
        this(table, api, authenticator, DEFAULT_MAX_BODY_BYTES, null);
    }

    public Router(RouteTable<A> table, A api, Authenticator authenticator, int maxBodyBytes) {
        this(table, api, authenticator, maxBodyBytes, null);
    }

    /** {@code idempotency} null: Idempotency-Key is ignored (tests of the router alone). */
    public Router(RouteTable<A> table, A api, Authenticator authenticator, int maxBodyBytes,
                  dev.gantry.shared.idempotency.IdempotencyStore idempotency) {
        this(table, api, authenticator, maxBodyBytes, idempotency, RateLimiter.NONE);
    }

    /**
     * {@code limiter}: the rate limits (docs/rate-limits.md). The router asks it after matching the
     * route: per client address before anything else on {@link Access#PUBLIC_PER_IP} routes, per
     * workspace right after authentication on the others, and puts the decision's headers on the
     * response, success or error alike. The shorter constructors limit nothing (tests of the router alone).
     */
    public Router(RouteTable<A> table, A api, Authenticator authenticator, int maxBodyBytes,
                  dev.gantry.shared.idempotency.IdempotencyStore idempotency, RateLimiter limiter) {
        this(table, api, authenticator, maxBodyBytes, idempotency, limiter, Metrics.NONE);
    }

    /**
     * {@code metrics}: each request records Requests, ClientErrors, ServerErrors, RateLimited and
     * Latency under its route template, and an error answer ErrorResponses under its error code
     * (docs/observability.md). Never the raw path: its ids would make a metric per resource.
     */
    public Router(RouteTable<A> table, A api, Authenticator authenticator, int maxBodyBytes,
                  dev.gantry.shared.idempotency.IdempotencyStore idempotency, RateLimiter limiter, Metrics metrics) {
        this.metrics = metrics;
        this.limiter = limiter;
        this.table = table;
        this.api = api;
        this.authenticator = authenticator;
        this.maxBodyBytes = maxBodyBytes;
        this.guards = new WriteGuards<>(table, api, idempotency);
    }

    public RouteTable<A> table() { return table; }

    public APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        String requestId = Ids.newId("req");
        MDC.put("request_id", requestId);
        long started = System.nanoTime();
        String routeKey = "-";
        String errorCode = null;
        APIGatewayV2HTTPResponse response;
        RateLimitDecision limit = RateLimitDecision.NOT_LIMITED;
        try {
            String method = methodOf(event);
            RouteTable.Match<A> match = table.match(method, event.getRawPath());
            if (match.route() == null) {
                throw match.allowedMethods().isEmpty()
                        ? new ApiException(404, "not_found", "No route matches " + method + " " + safePath(event.getRawPath()) + ".")
                        : new ApiException(405, "method_not_allowed", "Use " + String.join(", ", match.allowedMethods()) + " on this path.",
                        null, Map.of("Allow", String.join(", ", match.allowedMethods())));
            }
            Route<A> route = match.route();
            routeKey = route.routeKey();
            Map<String, String> headers = Request.lowerCaseHeaders(event.getHeaders());
            byte[] body = readBody(event, method, headers);
            Request request = new Request(event, requestId, match.params(), headers, body);
            if (route.access().limitedPerClientAddress()) {
                limit = limiter.forClientAddress(request.sourceIp());
                limit.enforce();
            }
            if (!route.access().isPublic()) {
                Principal principal = authenticator.authenticate(request);
                MDC.put("workspace_id", principal.workspaceId());
                limit = limiter.forWorkspace(principal.workspaceId());
                limit.enforce();
                if (!principal.role().atLeast(route.access().minimum())) {
                    throw ApiException.forbidden("This needs the " + route.access().minimum().wireName() + " role or higher.");
                }
                request.principal(principal);
            }
            response = guards.serve(route, request, () -> render(route.action().serve(api, request), requestId));
            if (method.equals("GET") && response.getStatusCode() == 200) {
                response = withEntityTag(response, headers.get("if-none-match"));
            }
        } catch (ApiException e) {
            errorCode = e.code();
            response = renderError(e, requestId);
        } catch (RuntimeException | StackOverflowError e) {
            LOG.error("unhandled error on {}", routeKey, e);
            errorCode = "internal_error";
            response = renderError(new ApiException(500, "internal_error", "Something went wrong on our side. Quote the request id if you report it."), requestId);
        }
        response = withHeaders(response, limit.headers());
        long millis = (System.nanoTime() - started) / 1_000_000;
        LOG.info("{} {} -> {} in {} ms", routeKey, safePath(event.getRawPath()), response.getStatusCode(), millis);
        record(routeKey, response.getStatusCode(), errorCode, millis);
        MDC.remove("workspace_id");
        MDC.remove("request_id");
        return response;
    }

    /** The request's metrics and trace annotations: route template (or "unmatched"), status class, error code. */
    private void record(String routeKey, int status, String errorCode, long millis) {
        String route = routeDimension(routeKey);
        Map<String, String> byRoute = Map.of(Metrics.ROUTE, route);
        metrics.put(Metrics.REQUESTS, 1, Metrics.Unit.COUNT, byRoute);
        metrics.put(Metrics.CLIENT_ERRORS, status >= 400 && status < 500 ? 1 : 0, Metrics.Unit.COUNT, byRoute);
        metrics.put(Metrics.SERVER_ERRORS, status >= 500 ? 1 : 0, Metrics.Unit.COUNT, byRoute);
        metrics.put(Metrics.RATE_LIMITED, "rate_limited".equals(errorCode) ? 1 : 0, Metrics.Unit.COUNT, byRoute);
        metrics.put(Metrics.LATENCY, millis, Metrics.Unit.MILLISECONDS, byRoute);
        if (errorCode != null) metrics.count(Metrics.ERROR_RESPONSES, Metrics.ERROR_CODE, errorCode);
        Tracing.annotate("Route", route);
        Tracing.annotate("Status", Integer.toString(status));
    }

    /**
     * {@code GET /v1/members/{user_id}} becomes {@code GET:/v1/members/{user_id}} (Powertools
     * refuses whitespace in a dimension value); a request no route matched is {@code unmatched}.
     */
    public static String routeDimension(String routeKey) {
        return routeKey == null || routeKey.equals("-") ? "unmatched" : routeKey.replace(' ', ':');
    }

    /** Adds headers to a response that is already rendered (the rate-limit headers go on every answer of a limited route). */
    private static APIGatewayV2HTTPResponse withHeaders(APIGatewayV2HTTPResponse response, Map<String, String> extra) {
        if (extra.isEmpty()) return response;
        Map<String, String> headers = new HashMap<>(response.getHeaders());
        headers.putAll(extra);
        response.setHeaders(headers);
        return response;
    }

    private static String methodOf(APIGatewayV2HTTPEvent event) {
        var ctx = event.getRequestContext();
        if (ctx == null || ctx.getHttp() == null || ctx.getHttp().getMethod() == null) {
            throw new ApiException(400, "validation_error", "The request has no method.");
        }
        return ctx.getHttp().getMethod().toUpperCase(Locale.ROOT);
    }

    private byte[] readBody(APIGatewayV2HTTPEvent event, String method, Map<String, String> headers) {
        String raw = event.getBody();
        if (raw != null && raw.length() > (event.getIsBase64Encoded() ? (maxBodyBytes / 3 + 1) * 4 : maxBodyBytes * 4L)) {
            throw payloadTooLarge();
        }
        byte[] body = Request.bodyBytes(event);
        if (body.length > maxBodyBytes) throw payloadTooLarge();
        if (body.length > 0 && (method.equals("POST") || method.equals("PUT") || method.equals("PATCH"))) {
            String contentType = headers.get("content-type");
            if (!isJson(contentType)) {
                throw new ApiException(415, "unsupported_media_type", "Send the body as application/json.");
            }
        }
        return body;
    }

    private ApiException payloadTooLarge() {
        return new ApiException(413, "payload_too_large", "The body is larger than " + (maxBodyBytes / 1024) + " KiB.");
    }

    static boolean isJson(String contentType) {
        if (contentType == null) return false;
        String[] parts = contentType.split(";");
        if (!parts[0].trim().equalsIgnoreCase("application/json")) return false;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim().toLowerCase(Locale.ROOT);
            if (p.startsWith("charset=") && !p.equals("charset=utf-8") && !p.equals("charset=\"utf-8\"")) return false;
        }
        return true;
    }

    private static APIGatewayV2HTTPResponse render(Response response, String requestId) {
        Map<String, String> headers = baseHeaders(requestId);
        headers.putAll(response.headers());
        // Payload format 2.0 sends cookies in their own field; API Gateway turns each into a Set-Cookie header.
        String setCookie = headers.remove("Set-Cookie");
        String body = null;
        if (response.body() instanceof Response.RawJson raw) {
            body = new String(raw.bytes(), StandardCharsets.UTF_8);
        } else if (response.body() != null) {
            body = Json.writeString(response.body());
        } else {
            headers.remove("Content-Type");
        }
        return APIGatewayV2HTTPResponse.builder().withStatusCode(response.status()).withHeaders(headers).withBody(body)
                .withCookies(setCookie == null ? null : java.util.List.of(setCookie)).build();
    }

    /**
     * A strong ETag over the exact bytes sent; a matching If-None-Match turns the answer into a 304
     * with no body. Computed from the body, so it changes exactly when the representation does.
     */
    static APIGatewayV2HTTPResponse withEntityTag(APIGatewayV2HTTPResponse response, String ifNoneMatch) {
        if (response.getBody() == null) return response;
        String etag = entityTag(response.getBody());
        Map<String, String> headers = new HashMap<>(response.getHeaders());
        headers.put("ETag", etag);
        if (ifNoneMatch != null && matches(ifNoneMatch, etag)) {
            headers.remove("Content-Type");
            return APIGatewayV2HTTPResponse.builder().withStatusCode(304).withHeaders(headers).withCookies(response.getCookies()).build();
        }
        response.setHeaders(headers);
        return response;
    }

    /** A strong ETag: the first 128 bits of the SHA-256 of the exact JSON sent. */
    static String entityTag(String body) {
        byte[] digest = dev.gantry.shared.crypto.Hmac.digest(body.getBytes(StandardCharsets.UTF_8));
        return "\"" + dev.gantry.shared.crypto.Hmac.base64Url(java.util.Arrays.copyOf(digest, 16)) + "\"";
    }

    static boolean matches(String ifNoneMatch, String etag) {
        for (String candidate : ifNoneMatch.split(",")) {
            String c = candidate.trim();
            if (c.startsWith("W/")) c = c.substring(2);
            if (c.equals("*") || c.equals(etag)) return true;
        }
        return false;
    }

    static APIGatewayV2HTTPResponse renderError(ApiException e, String requestId) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("error", e.code());
        envelope.put("message", e.getMessage());
        envelope.put("request_id", requestId);
        if (e.details() != null) envelope.put("details", e.details());
        if (e instanceof ApiException.PlanLimitException p) envelope.put("upgrade_url", p.upgradeUrl());
        Map<String, String> headers = baseHeaders(requestId);
        headers.putAll(e.headers());
        return APIGatewayV2HTTPResponse.builder().withStatusCode(e.status()).withHeaders(headers).withBody(Json.writeString(envelope)).build();
    }

    static Map<String, String> baseHeaders(String requestId) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", "application/json; charset=utf-8");
        headers.put("X-Request-Id", requestId);
        headers.put("Cache-Control", "no-store");
        headers.put("X-Content-Type-Options", "nosniff");
        return headers;
    }

    /** Paths go into messages and logs; cap them and drop control characters. */
    private static String safePath(String path) {
        if (path == null) return "/";
        String p = path.length() > 200 ? path.substring(0, 200) + "…" : path;
        return p.replaceAll("\\p{Cntrl}", "?");
    }
}
