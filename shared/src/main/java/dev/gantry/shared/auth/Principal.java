package dev.gantry.shared.auth;

/**
 * Who is calling, resolved once per request. {@code actorType} is {@code user} for access tokens
 * and {@code api_key} for API keys; {@code sessionId} is null for API keys.
 */
public record Principal(String userId, String workspaceId, Role role, String actorType, String actorId, String sessionId) {
    public static Principal user(String userId, String workspaceId, Role role, String sessionId) {
        return new Principal(userId, workspaceId, role, "user", userId, sessionId);
    }
}
