package dev.gantry.shared.limits;

/**
 * What the router asks before serving a limited route (see {@code Access}): a workspace's bucket
 * after authentication, a client address's bucket on the anonymous credential routes. A decision
 * is enforced by the router ({@link RateLimitDecision#enforce()}) and its headers go on the response.
 */
public interface RateLimiter {
    RateLimitDecision forWorkspace(String workspaceId);

    RateLimitDecision forClientAddress(String sourceIp);

    /** No limits: for tests of other rules that send hundreds of requests from one address or workspace. */
    RateLimiter NONE = new RateLimiter() {
        @Override public RateLimitDecision forWorkspace(String workspaceId) { return RateLimitDecision.NOT_LIMITED; }
        @Override public RateLimitDecision forClientAddress(String sourceIp) { return RateLimitDecision.NOT_LIMITED; }
    };
}
