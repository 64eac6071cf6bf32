package dev.gantry.shared.identity;

import dev.gantry.shared.plans.Plan;

import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON shapes of the identity routes (snake_case on the wire). */
public final class Views {
    private Views() {}

    public record UserView(String id, String email, String name, String githubLogin, String createdAt) {
        static UserView of(UserRepository.User u) {
            return new UserView(u.id(), u.email(), u.name(), u.githubLogin(), u.createdAt().toString());
        }
    }

    public record Usage(long used, long limit) {}

    public record WorkspaceView(String id, String name, String plan, String createdAt, Map<String, Usage> quota) {
        static WorkspaceView of(WorkspaceRepository.Workspace ws) {
            return new WorkspaceView(ws.id(), ws.name(), ws.plan().wireName(), ws.createdAt().toString(), Views.quota(ws));
        }
    }

    public record TokenPair(String token, String expiresAt, String refreshToken) {}

    public record SignupView(UserView user, WorkspaceView workspace, String token, String expiresAt, String refreshToken) {}

    public record MeView(String id, String email, String name, String githubLogin, String workspaceId, String role, String plan,
                         Map<String, Usage> quota) {}

    public record MembershipView(String id, String name, String role, String plan) {}

    public record MemberView(String userId, String email, String name, String role, String joinedAt) {}

    public record SubscriptionView(String plan, String status, String currentPeriodEnd, boolean cancelAtPeriodEnd) {
        static SubscriptionView of(WorkspaceRepository.Workspace ws) {
            return new SubscriptionView(ws.plan().wireName(), "active", ws.currentPeriodEnd().toString(), ws.cancelAtPeriodEnd());
        }
    }

    public record Ok(boolean ok) {}

    /** A single resource's view and its stored version (the {@code ver} its If-Match is made atomic with). */
    public record Versioned<T>(T view, long version) {}

    static Map<String, Usage> quota(WorkspaceRepository.Workspace ws) {
        Map<String, Usage> quota = new LinkedHashMap<>();
        for (Plan.Resource r : Plan.Resource.values()) quota.put(r.wireName(), new Usage(ws.used(r), ws.plan().limit(r)));
        return quota;
    }
}
