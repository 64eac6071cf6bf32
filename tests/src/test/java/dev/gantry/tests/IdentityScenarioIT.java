package dev.gantry.tests;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.gantry.tests.LocalGantry.call;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The identity slice end to end over real HTTP: signup → login → me → add member → change role →
 * audit log → refresh → refresh reuse rejected → logout.
 */
class IdentityScenarioIT {
    private static String email(String who) {
        return who + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    @Test
    void signupToLogout() {
        String ownerEmail = email("ada");
        var signup = call("POST", "/v1/auth/signup",
                "{\"email\":\"" + ownerEmail + "\",\"password\":\"correct horse battery\",\"name\":\"Ada\",\"workspace_name\":\"Ada Labs\"}", null).expect(201);
        assertThat(signup.text("/workspace/name")).isEqualTo("Ada Labs");
        String workspaceId = signup.text("/workspace/id");

        var login = call("POST", "/v1/auth/login", "{\"email\":\"" + ownerEmail + "\",\"password\":\"correct horse battery\"}", null).expect(200);
        String token = login.text("/token");
        assertThat(login.text("/expires_at")).endsWith("Z");

        var me = call("GET", "/v1/me", null, token).expect(200);
        assertThat(me.text("/email")).isEqualTo(ownerEmail);
        assertThat(me.text("/role")).isEqualTo("owner");
        assertThat(me.text("/workspace_id")).isEqualTo(workspaceId);
        assertThat(java.util.Optional.ofNullable(me.header("etag"))).isPresent();

        // Grace has an account; Ada's free workspace has room for one member (Ada), so Ada upgrades first.
        String graceEmail = email("grace");
        var grace = call("POST", "/v1/auth/signup", "{\"email\":\"" + graceEmail + "\",\"password\":\"another good password\",\"name\":\"Grace\"}", null).expect(201);
        String graceId = grace.text("/user/id");
        call("POST", "/v1/members", "{\"email\":\"" + graceEmail + "\",\"role\":\"developer\"}", token).expectError(402, "plan_limit_exceeded");
        call("POST", "/v1/subscription/change", "{\"plan\":\"hobby\"}", token).expect(200);
        var added = call("POST", "/v1/members", "{\"email\":\"" + graceEmail + "\",\"role\":\"developer\"}", token).expect(201);
        assertThat(added.text("/user_id")).isEqualTo(graceId);

        var changed = call("PATCH", "/v1/members/" + graceId, "{\"role\":\"admin\"}", token).expect(200);
        assertThat(changed.text("/role")).isEqualTo("admin");

        var audit = call("GET", "/v1/audit-log", null, token).expect(200);
        List<String> actions = new ArrayList<>();
        for (JsonNode e : audit.json().get("data")) actions.add(e.get("action").asText());
        assertThat(actions).containsSubsequence("member.role_changed", "member.added", "subscription.changed", "auth.login", "user.signed_up");
        JsonNode roleChange = audit.json().get("data").get(0);
        assertThat(roleChange.at("/actor/id").asText()).isEqualTo(signup.text("/user/id"));
        assertThat(roleChange.at("/target/id").asText()).isEqualTo(graceId);
        assertThat(roleChange.get("ip").asText()).isIn("127.0.0.1", "0:0:0:0:0:0:0:1");

        // Refresh: a new pair; the old refresh token is spent, and spending it again revokes the login.
        var refreshed = call("POST", "/v1/auth/refresh", "{\"refresh_token\":\"" + login.text("/refresh_token") + "\"}", null).expect(200);
        String newToken = refreshed.text("/token");
        call("GET", "/v1/me", null, newToken).expect(200);
        call("POST", "/v1/auth/refresh", "{\"refresh_token\":\"" + login.text("/refresh_token") + "\"}", null).expectError(401, "token_revoked");
        call("GET", "/v1/me", null, newToken).expectError(401, "token_revoked");
        call("POST", "/v1/auth/refresh", "{\"refresh_token\":\"" + refreshed.text("/refresh_token") + "\"}", null).expectError(401, "token_revoked");

        // Logout of another login: that login stops, the signup's own login still works.
        var second = call("POST", "/v1/auth/login", "{\"email\":\"" + ownerEmail + "\",\"password\":\"correct horse battery\"}", null).expect(200);
        assertThat(call("POST", "/v1/auth/logout", null, second.text("/token")).expect(200).json().get("ok").asBoolean()).isTrue();
        call("GET", "/v1/me", null, second.text("/token")).expectError(401, "token_revoked");
        call("GET", "/v1/me", null, signup.text("/token")).expect(200);
    }
}
