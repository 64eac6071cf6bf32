package dev.gantry.shared.errors;

import java.util.List;
import java.util.Map;

/**
 * The one exception type that becomes an error envelope. Everything a caller can get wrong is
 * raised as one of these; anything else that escapes a route is a bug and becomes an opaque 500.
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, Object> details;
    private final Map<String, String> headers;

    public ApiException(int status, String code, String message) {
        this(status, code, message, null, Map.of());
    }

    public ApiException(int status, String code, String message, Map<String, Object> details, Map<String, String> headers) {
        super(message, null, false, false); // no stack trace: these are expected outcomes, not bugs
        this.status = status;
        this.code = code;
        this.details = details;
        this.headers = headers == null ? Map.of() : headers;
    }

    public int status() { return status; }
    public String code() { return code; }
    public Map<String, Object> details() { return details; }
    public Map<String, String> headers() { return headers; }

    public static ApiException validation(List<FieldProblem> problems) {
        return new ApiException(400, "validation_error", "The request has invalid fields.",
                Map.of("fields", problems.stream().map(FieldProblem::asMap).toList()), Map.of());
    }

    public static ApiException validation(String field, String problem) {
        return validation(List.of(new FieldProblem(field, problem)));
    }

    public static ApiException malformedJson(String why) {
        return new ApiException(400, "malformed_json", "The request body is not valid JSON: " + why);
    }

    public static ApiException invalidCursor() {
        return new ApiException(400, "invalid_cursor", "The cursor is not valid for this list.");
    }

    /** 400 {@code invalid_token}: a provider (GitHub, a cloud) rejected a token or code the caller brought. */
    public static ApiException invalidToken(String message) {
        return new ApiException(400, "invalid_token", message);
    }

    /** 503 {@code unavailable}: a dependency is down, unreachable or not configured; the caller may retry later. */
    public static ApiException unavailable(String message) {
        return new ApiException(503, "unavailable", message);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message);
    }

    public static ApiException invalidCredentials() {
        return new ApiException(401, "invalid_credentials", "The email or password is not correct.");
    }

    public static ApiException tokenExpired() {
        return new ApiException(401, "token_expired", "The token has expired.");
    }

    public static ApiException tokenRevoked() {
        return new ApiException(401, "token_revoked", "The token has been revoked.");
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message);
    }

    /**
     * 412 {@code precondition_failed}: the If-Match no longer names the current version. With the
     * current ETag when it is known (null: a versioned write lost a race after the router's check).
     */
    public static ApiException preconditionFailed(String currentEtag) {
        return new ApiException(412, "precondition_failed",
                "The resource changed since you read it (its ETag is no longer the one in If-Match); read it again and retry.",
                null, currentEtag == null ? Map.of() : Map.of("ETag", currentEtag));
    }

    /** A missing resource, or one of another workspace: both are answered the same way. */
    public static ApiException notFound(String resource) {
        return new ApiException(404, resource + "_not_found", "No such " + resource.replace('_', ' ') + ".");
    }

    public static ApiException conflict(String code, String message) {
        return new ApiException(409, code, message);
    }

    public static ApiException conflict(String code, String message, Map<String, Object> details) {
        return new ApiException(409, code, message, details, Map.of());
    }

    public static ApiException planLimitExceeded(String resource, long current, long limit, String plan, String upgradeUrl) {
        return new PlanLimitException(resource, current, limit, plan, upgradeUrl);
    }

    /** 402 carries an extra top-level field, {@code upgrade_url}. */
    public static final class PlanLimitException extends ApiException {
        private final String upgradeUrl;

        PlanLimitException(String resource, long current, long limit, String plan, String upgradeUrl) {
            super(402, "plan_limit_exceeded",
                    "The " + plan + " plan allows " + limit + " " + resource.replace('_', ' ') + ".",
                    Map.of("resource", resource, "current", current, "limit", limit, "plan", plan), Map.of());
            this.upgradeUrl = upgradeUrl;
        }

        public String upgradeUrl() { return upgradeUrl; }
    }

    public record FieldProblem(String field, String problem) {
        Map<String, Object> asMap() { return Map.of("field", field, "problem", problem); }
    }
}
