package dev.gantry.shared.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.idempotency.IdempotencyStore;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The rules every write obeys, applied by the router around the route (API.md §1):
 * <ul>
 * <li>{@code If-Match} on PATCH, PUT and DELETE: the resource's current ETag (what its GET would
 * send) must match, else 412 {@code precondition_failed} and the route does not run.</li>
 * <li>{@code Idempotency-Key} on authenticated POSTs: see {@link IdempotencyStore}. A successful
 * (2xx) answer is kept 24 hours and replayed with {@code Idempotent-Replayed: true}; any other
 * outcome releases the key so the request can be retried.</li>
 * </ul>
 * Anonymous POSTs (sign-up, log-in, refresh) have no workspace to scope a key to and ignore it.
 */
final class WriteGuards<A> {
    private static final Set<String> REPLAYED_HEADERS = Set.of("Location", "ETag", "Content-Type");

    private final RouteTable<A> table;
    private final A api;
    private final IdempotencyStore idempotency;

    WriteGuards(RouteTable<A> table, A api, IdempotencyStore idempotency) {
        this.table = table;
        this.api = api;
        this.idempotency = idempotency;
    }

    APIGatewayV2HTTPResponse serve(Route<A> route, Request request, Supplier<APIGatewayV2HTTPResponse> run) {
        String method = route.method();
        String ifMatch = request.header("if-match");
        if (ifMatch != null && (method.equals("PATCH") || method.equals("PUT") || method.equals("DELETE"))) {
            checkIfMatch(route, request, ifMatch);
        }
        String key = request.header("idempotency-key");
        if (key == null || idempotency == null || !method.equals("POST") || route.access().isPublic()) {
            return run.get();
        }
        IdempotencyStore.validate(key);
        IdempotencyStore.Claim claim = idempotency.claim(request.principal().workspaceId(), key,
                IdempotencyStore.fingerprint(method, request.path(), request.rawBody()));
        if (claim.isReplay()) {
            return replay(claim.replay(), request.requestId());
        }
        APIGatewayV2HTTPResponse response;
        try {
            response = run.get();
        } catch (RuntimeException e) {
            releaseQuietly(claim);
            throw e;
        }
        if (response.getStatusCode() >= 200 && response.getStatusCode() < 300) {
            Map<String, String> kept = new LinkedHashMap<>();
            response.getHeaders().forEach((k, v) -> { if (REPLAYED_HEADERS.contains(k)) kept.put(k, v); });
            idempotency.complete(claim, new IdempotencyStore.StoredResponse(response.getStatusCode(), response.getBody(), kept));
        } else {
            releaseQuietly(claim);
        }
        return response;
    }

    /** Compares If-Match with the ETag the resource's own GET route would send now. */
    private void checkIfMatch(Route<A> route, Request request, String ifMatch) {
        Route<A> read = table.routes().stream()
                .filter(r -> r.method().equals("GET") && r.path().template().equals(route.path().template()))
                .findFirst().orElse(null);
        if (read == null) {
            throw new ApiException(412, "precondition_failed", "This resource has no representation to match If-Match against.");
        }
        Response current = read.action().serve(api, request);
        if (current.status() != 200 || current.body() == null) return; // the write itself answers 404 and friends
        String etag = Router.entityTag(current.body() instanceof Response.RawJson raw
                ? new String(raw.bytes(), java.nio.charset.StandardCharsets.UTF_8) : Json.writeString(current.body()));
        if (!Router.matches(ifMatch, etag)) {
            throw ApiException.preconditionFailed(etag);
        }
        // Versioned resources: the write is conditional on the version just matched, so a change
        // between this read and the write is a 412 too (the repository's condition fails).
        request.expectedVersion(current.version());
    }


    private static APIGatewayV2HTTPResponse replay(IdempotencyStore.StoredResponse stored, String requestId) {
        Map<String, String> headers = new HashMap<>(Router.baseHeaders(requestId));
        headers.putAll(stored.headers());
        headers.put("Idempotent-Replayed", "true");
        return APIGatewayV2HTTPResponse.builder().withStatusCode(stored.status()).withHeaders(headers).withBody(stored.body()).build();
    }

    private void releaseQuietly(IdempotencyStore.Claim claim) {
        try {
            idempotency.release(claim);
        } catch (RuntimeException ignored) {
            // the claim expires with its lease; the request's own outcome is what the client sees
        }
    }
}
