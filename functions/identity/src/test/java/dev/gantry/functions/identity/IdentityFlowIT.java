package dev.gantry.functions.identity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The identity slice against DynamoDB Local, through the real handler: the rules of API.md §2–§4. */
class IdentityFlowIT {
    private static IdentityClient api;

    @BeforeAll
    static void start() {
        api = new IdentityClient(new IdentityHandler(TestStack.newWiring()));
    }

    private static String email() {
        return "u" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    @Test
    void signupGivesAnOwnedFreeWorkspaceAndWorkingTokens() {
        String email = email();
        var s = api.signup(email, "Ada");
        assertThat(s.text("/user/email")).isEqualTo(email);
        assertThat(s.text("/user/id")).startsWith("usr_");
        assertThat(s.text("/workspace/plan")).isEqualTo("free");
        assertThat(s.json().at("/workspace/quota/members/used").asInt()).isEqualTo(1);
        assertThat(s.raw()).doesNotContain("password");
        var me = api.call("GET", "/v1/me", null, s.text("/token")).expect(200);
        assertThat(me.text("/role")).isEqualTo("owner");
        assertThat(me.text("/workspace_id")).isEqualTo(s.text("/workspace/id"));
        assertThat(me.json().at("/quota/environments/limit").asInt()).isEqualTo(2);
        assertThat(me.json().has("github_login")).isTrue();
    }

    @Test
    void theSameEmailCannotSignUpTwiceInAnyCase() {
        String email = email();
        api.signup(email, "Ada");
        api.call("POST", "/v1/auth/signup", "{\"email\":\"" + email.toUpperCase() + "\",\"password\":\"correct horse battery\",\"name\":\"B\"}", (String) null)
                .expectError(409, "already_exists");
    }

    @Test
    void wrongPasswordAndUnknownEmailLookTheSame() {
        String email = email();
        api.signup(email, "Ada");
        var wrong = api.call("POST", "/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"not the password\"}", (String) null)
                .expectError(401, "invalid_credentials");
        var unknown = api.call("POST", "/v1/auth/login", "{\"email\":\"" + email() + "\",\"password\":\"not the password\"}", (String) null)
                .expectError(401, "invalid_credentials");
        assertThat(wrong.text("/message")).isEqualTo(unknown.text("/message"));
    }

    @Test
    void refreshTokensAreSingleUseAndReuseRevokesTheLogin() {
        String email = email();
        api.signup(email, "Ada");
        var login = api.call("POST", "/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\"}", (String) null).expect(200);
        String first = login.text("/refresh_token");
        var second = api.call("POST", "/v1/auth/refresh", "{\"refresh_token\":\"" + first + "\"}", (String) null).expect(200);
        assertThat(second.text("/refresh_token")).isNotEqualTo(first);
        api.call("GET", "/v1/me", null, second.text("/token")).expect(200);

        // The spent token again: theft assumed, the whole login is revoked.
        api.call("POST", "/v1/auth/refresh", "{\"refresh_token\":\"" + first + "\"}", (String) null).expectError(401, "token_revoked");
        api.call("POST", "/v1/auth/refresh", "{\"refresh_token\":\"" + second.text("/refresh_token") + "\"}", (String) null).expectError(401, "token_revoked");
        api.call("GET", "/v1/me", null, second.text("/token")).expectError(401, "token_revoked");
        api.call("GET", "/v1/me", null, login.text("/token")).expectError(401, "token_revoked");
        api.call("POST", "/v1/auth/refresh", "{\"refresh_token\":\"grt_made_up\"}", (String) null).expectError(401, "unauthorized");
    }

    @Test
    void logoutStopsThatLoginOnly() {
        String email = email();
        var s = api.signup(email, "Ada");
        var other = api.call("POST", "/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\"}", (String) null).expect(200);
        assertThat(api.call("POST", "/v1/auth/logout", null, s.text("/token")).expect(200).json().get("ok").asBoolean()).isTrue();
        api.call("GET", "/v1/me", null, s.text("/token")).expectError(401, "token_revoked");
        api.call("POST", "/v1/auth/refresh", "{\"refresh_token\":\"" + s.text("/refresh_token") + "\"}", (String) null).expectError(401, "token_revoked");
        api.call("GET", "/v1/me", null, other.text("/token")).expect(200);
    }

    @Test
    void membersRolesLastOwnerAndTheAuditTrail() {
        var owner = api.signup(email(), "Owner");
        String token = owner.text("/token");
        String devEmail = email();
        var dev = api.signup(devEmail, "Dev");
        String devId = dev.text("/user/id");

        // free allows one member: the owner
        var limited = api.call("POST", "/v1/members", "{\"email\":\"" + devEmail + "\",\"role\":\"developer\"}", token).expectError(402, "plan_limit_exceeded");
        assertThat(limited.json().at("/details/resource").asText()).isEqualTo("members");
        assertThat(limited.json().at("/details/limit").asInt()).isEqualTo(1);
        assertThat(limited.text("/upgrade_url")).startsWith("https://");

        api.call("POST", "/v1/subscription/change", "{\"plan\":\"hobby\"}", token).expect(200);
        var added = api.call("POST", "/v1/members", "{\"email\":\"" + devEmail + "\",\"role\":\"developer\"}", token).expect(201);
        assertThat(added.text("/role")).isEqualTo("developer");
        api.call("POST", "/v1/members", "{\"email\":\"" + devEmail + "\",\"role\":\"viewer\"}", token).expectError(409, "already_exists");
        api.call("POST", "/v1/members", "{\"email\":\"" + email() + "\",\"role\":\"viewer\"}", token).expectError(404, "user_not_found");

        // the developer switches into the owner's workspace; developers cannot manage members
        var switched = api.call("POST", "/v1/auth/switch", "{\"workspace_id\":\"" + owner.text("/workspace/id") + "\"}", dev.text("/token")).expect(200);
        String devToken = switched.text("/token");
        assertThat(api.call("GET", "/v1/me", null, devToken).text("/role")).isEqualTo("developer");
        api.call("PATCH", "/v1/members/" + devId, "{\"role\":\"admin\"}", devToken).expectError(403, "forbidden");
        api.call("GET", "/v1/audit-log", null, devToken).expectError(403, "forbidden");

        // promotion applies on the very next request with the same token
        api.call("PATCH", "/v1/members/" + devId, "{\"role\":\"admin\"}", token).expect(200);
        assertThat(api.call("GET", "/v1/me", null, devToken).text("/role")).isEqualTo("admin");
        // an admin cannot grant owner, nor touch the owner
        api.call("PATCH", "/v1/members/" + devId, "{\"role\":\"owner\"}", devToken).expectError(403, "forbidden");
        api.call("DELETE", "/v1/members/" + owner.text("/user/id"), null, devToken).expectError(403, "forbidden");

        // the last owner stays
        api.call("PATCH", "/v1/members/" + owner.text("/user/id"), "{\"role\":\"admin\"}", token).expectError(409, "last_owner");
        api.call("DELETE", "/v1/members/" + owner.text("/user/id"), null, token).expectError(409, "last_owner");

        // a workspace with two owners may lose one
        api.call("PATCH", "/v1/members/" + devId, "{\"role\":\"owner\"}", token).expect(200);
        api.call("PATCH", "/v1/members/" + owner.text("/user/id"), "{\"role\":\"admin\"}", token).expect(200);

        var members = api.call("GET", "/v1/members", null, token).expect(200);
        assertThat(members.json().get("data")).hasSize(2);

        // every mutation is in the audit log, newest first, with who, what, where
        var log = api.call("GET", "/v1/audit-log?limit=100", null, devToken).expect(200);
        List<String> actions = new ArrayList<>();
        log.json().get("data").forEach(e -> actions.add(e.get("action").asText()));
        assertThat(actions).startsWith("member.role_changed", "member.role_changed", "member.role_changed");
        assertThat(actions).contains("member.added", "subscription.changed", "user.signed_up", "auth.login");
        JsonNode newest = log.json().get("data").get(0);
        assertThat(newest.at("/actor/type").asText()).isEqualTo("user");
        assertThat(newest.at("/target/id").asText()).isEqualTo(owner.text("/user/id"));
        assertThat(newest.get("ip").asText()).isEqualTo("203.0.113.7");
        assertThat(newest.get("request_id").asText()).startsWith("req_");
        assertThat(newest.at("/metadata/role/from").asText()).isEqualTo("owner");

        var filtered = api.call("GET", "/v1/audit-log?action=member.added", null, devToken).expect(200);
        assertThat(filtered.json().get("data")).hasSize(1);

        // removal: the removed member's token stops working on the next request
        api.call("DELETE", "/v1/members/" + owner.text("/user/id"), null, devToken).expect(204);
        api.call("GET", "/v1/me", null, token).expectError(401, "unauthorized");
    }

    @Test
    void auditLogPagesWithTamperEvidentCursors() {
        var owner = api.signup(email(), "Pager");
        String token = owner.text("/token");
        for (int i = 0; i < 5; i++) api.call("PATCH", "/v1/workspace", "{\"name\":\"name " + i + "\"}", token).expect(200);
        List<String> ids = new ArrayList<>();
        String cursor = null;
        do {
            var page = api.call("GET", "/v1/audit-log?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), null, token).expect(200);
            page.json().get("data").forEach(e -> ids.add(e.get("id").asText()));
            cursor = page.json().get("next_cursor").isNull() ? null : page.text("/next_cursor");
        } while (cursor != null);
        assertThat(ids).hasSize(6).doesNotHaveDuplicates();
        assertThat(ids).isSortedAccordingTo((a, b) -> b.compareTo(a));

        String c = api.call("GET", "/v1/audit-log?limit=2", null, token).text("/next_cursor");
        api.call("GET", "/v1/audit-log?cursor=" + c.substring(0, c.length() - 2) + "AA", null, token).expectError(400, "invalid_cursor");
        api.call("GET", "/v1/audit-log?action=member.added&cursor=" + c, null, token).expectError(400, "invalid_cursor");
        var other = api.signup(email(), "Other");
        api.call("GET", "/v1/audit-log?cursor=" + c, null, other.text("/token")).expectError(400, "invalid_cursor");
        api.call("GET", "/v1/audit-log?limit=0", null, token).expectError(400, "validation_error");
        api.call("GET", "/v1/audit-log?limit=101", null, token).expectError(400, "validation_error");
    }

    @Test
    void workspacesOfAUserAndSwitchingBetweenThem() {
        var a = api.signup(email(), "A");
        var b = api.signup(email(), "B");
        api.call("POST", "/v1/auth/switch", "{\"workspace_id\":\"" + b.text("/workspace/id") + "\"}", a.text("/token"))
                .expectError(404, "workspace_not_found");
        var list = api.call("GET", "/v1/workspaces", null, a.text("/token")).expect(200);
        assertThat(list.json().get("data")).hasSize(1);
        assertThat(list.json().at("/data/0/role").asText()).isEqualTo("owner");
        assertThat(list.json().get("next_cursor").isNull()).isTrue();
    }

    @Test
    void subscriptionDowngradeBelowUsageIsRefused() {
        var owner = api.signup(email(), "Sub");
        String token = owner.text("/token");
        var member = api.signup(email(), "M");
        api.call("POST", "/v1/subscription/change", "{\"plan\":\"pro\"}", token).expect(200);
        api.call("POST", "/v1/members", "{\"email\":\"" + member.text("/user/email") + "\",\"role\":\"viewer\"}", token).expect(201);
        var refused = api.call("POST", "/v1/subscription/change", "{\"plan\":\"free\"}", token).expectError(409, "conflict");
        assertThat(refused.json().at("/details/resource").asText()).isEqualTo("members");
        assertThat(api.call("GET", "/v1/subscription", null, token).text("/plan")).isEqualTo("pro");
        var cancelled = api.call("POST", "/v1/subscription/cancel", null, token).expect(200);
        assertThat(cancelled.json().get("cancel_at_period_end").asBoolean()).isTrue();
        api.call("POST", "/v1/subscription/change", "{\"plan\":\"platinum\"}", token).expectError(400, "validation_error");
    }

    @Test
    void anotherWorkspacesMembersAndAuditAreInvisible() {
        var a = api.signup(email(), "A");
        var b = api.signup(email(), "B");
        String bUser = b.text("/user/id");
        api.call("PATCH", "/v1/members/" + bUser, "{\"role\":\"viewer\"}", a.text("/token")).expectError(404, "member_not_found");
        api.call("DELETE", "/v1/members/" + bUser, null, a.text("/token")).expectError(404, "member_not_found");
        assertThat(api.call("GET", "/v1/me", null, b.text("/token")).text("/role")).isEqualTo("owner");
        var members = api.call("GET", "/v1/members", null, a.text("/token")).expect(200);
        assertThat(members.json().get("data")).extracting(m -> m.get("user_id").asText()).containsExactly(a.text("/user/id"));
        var log = api.call("GET", "/v1/audit-log?limit=100", null, a.text("/token")).expect(200);
        assertThat(log.json().get("data")).allSatisfy(e -> assertThat(e.at("/target/id").asText()).isNotEqualTo(bUser));
        // B's workspace id in a switch is "not found", never "forbidden": nothing reveals it exists
        api.call("POST", "/v1/auth/switch", "{\"workspace_id\":\"" + b.text("/workspace/id") + "\"}", a.text("/token"))
                .expectError(404, "workspace_not_found");
    }

    @Test
    void plansArePublic() {
        var plans = api.call("GET", "/v1/plans", null, (String) null).expect(200);
        assertThat(plans.json().get("data")).hasSize(4);
        assertThat(api.call("GET", "/v1/plans/pro", null, (String) null).expect(200).json().get("burst").asInt()).isEqualTo(1000);
        api.call("GET", "/v1/plans/gold", null, (String) null).expectError(404, "plan_not_found");
        assertThat(api.call("GET", "/health", null, (String) null).expect(200).text("/status")).isEqualTo("ok");
    }

    @Test
    void theOpenApiDocumentIsServedAsJsonAndCoversEveryRoute() {
        var doc = api.call("GET", "/v1/openapi.json", null, (String) null).expect(200);
        assertThat(doc.text("/openapi")).startsWith("3.1");
        for (var route : IdentityRoutes.TABLE.routes()) {
            JsonNode path = doc.json().get("paths").get(route.path().template());
            assertThat(path).as("openapi.yaml documents %s", route.routeKey()).isNotNull();
            assertThat(path.get(route.method().toLowerCase())).as("openapi.yaml documents %s", route.routeKey()).isNotNull();
        }
    }
}
