package dev.gantry.functions.identity;

import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.auth.Role;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * If-Match is atomic with the write (API.md §1 "Optimistic locking") on the identity resources.
 * Each race is made deterministic: a DynamoDB interceptor on the wiring performs another write to
 * the same item right before the guarded request's TransactWriteItems is sent, i.e. after the
 * router matched the ETag and after the service read the item. The guarded request must then
 * answer 412 and write nothing; the other write's value survives.
 */
class IfMatchRaceIT {
    private static final Interleave INTERLEAVE = new Interleave();
    private static Wiring wiring;
    private static IdentityClient api;
    private static String token;
    private static String workspaceId;
    private static String ownerId;
    private static Principal owner;
    private static Caller other;

    @BeforeAll
    static void start() {
        wiring = TestStack.newWiringWithInterceptors(Clock.systemUTC(), List.of(INTERLEAVE), Map.of());
        api = new IdentityClient(new IdentityHandler(wiring));
        var signup = api.signup("race-" + UUID.randomUUID().toString().substring(0, 6) + "@example.com", "Racer");
        token = signup.text("/token");
        workspaceId = signup.text("/workspace/id");
        ownerId = signup.text("/user/id");
        owner = Principal.user(ownerId, workspaceId, Role.OWNER, null);
        other = new Caller(owner, "203.0.113.9", "req-the-other-write");
        api.call("POST", "/v1/subscription/change", "{\"plan\":\"pro\"}", token).expect(200);
    }

    @BeforeEach
    void disarm() {
        INTERLEAVE.disarm();
    }

    /** Runs {@code write} once, right before the first TransactWriteItems that updates or deletes {@code key}. */
    static final class Interleave implements ExecutionInterceptor {
        private record Armed(Map<String, AttributeValue> key, Runnable write) {}

        private final AtomicReference<Armed> armed = new AtomicReference<>();
        private final AtomicInteger fired = new AtomicInteger();

        void before(Map<String, AttributeValue> key, Runnable write) {
            fired.set(0);
            armed.set(new Armed(key, write));
        }

        void disarm() { armed.set(null); }

        int fired() { return fired.get(); }

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            Armed a = armed.get();
            if (a == null || !(context.request() instanceof TransactWriteItemsRequest tx)) return;
            if (tx.transactItems().stream().noneMatch(i -> writes(i, a.key()))) return;
            if (!armed.compareAndSet(a, null)) return; // once; the interleaved write itself is not intercepted
            fired.incrementAndGet();
            a.write().run();
        }

        private static boolean writes(TransactWriteItem i, Map<String, AttributeValue> key) {
            return (i.update() != null && i.update().key().equals(key)) || (i.delete() != null && i.delete().key().equals(key));
        }
    }

    private static Map<String, String> ifMatch(String etag) {
        Map<String, String> h = new HashMap<>();
        h.put("authorization", "Bearer " + token);
        h.put("if-match", etag);
        return h;
    }

    private static int auditCount(String action) {
        return api.call("GET", "/v1/audit-log?limit=100&action=" + action, null, token).expect(200).json().get("data").size();
    }

    private static Map<String, AttributeValue> item(Map<String, AttributeValue> key) {
        return wiring.dynamo().getItem(b -> b.tableName(wiring.table().name()).key(key).consistentRead(true)).item();
    }

    private static long ver(Map<String, AttributeValue> key) {
        AttributeValue v = item(key).get("ver");
        return v == null ? 0 : Long.parseLong(v.n());
    }

    /** Makes the item look like one written before versions existed. */
    private static void dropVersion(Map<String, AttributeValue> key) {
        wiring.dynamo().updateItem(b -> b.tableName(wiring.table().name()).key(key).updateExpression("REMOVE ver"));
    }

    private static String addMember(Role role) {
        var friend = api.signup("friend-" + UUID.randomUUID().toString().substring(0, 6) + "@example.com", "Friend");
        api.call("POST", "/v1/members", "{\"email\":\"" + friend.text("/user/email") + "\",\"role\":\"" + role.wireName() + "\"}", token)
                .expect(201);
        return friend.text("/user/id");
    }

    // --- workspace --------------------------------------------------------------------------------

    @Test
    void aRenameBetweenTheCheckAndTheWriteMakesTheWorkspacePatch412() {
        String etag = api.call("GET", "/v1/workspace", null, token).expect(200).header("ETag");
        int audited = auditCount("workspace.updated");
        INTERLEAVE.before(Keys.workspace(workspaceId), () -> wiring.workspaceService().rename(owner, "theirs-" + UUID.randomUUID(), other));
        String theirs;

        api.call("PATCH", "/v1/workspace", "{\"name\":\"mine\"}", ifMatch(etag)).expectError(412, "precondition_failed");

        assertThat(INTERLEAVE.fired()).isEqualTo(1);
        theirs = api.call("GET", "/v1/workspace", null, token).expect(200).text("/name");
        assertThat(theirs).startsWith("theirs-");
        assertThat(auditCount("workspace.updated")).as("only the other rename is audited").isEqualTo(audited + 1);

        // read again, then the same PATCH goes through
        String fresh = api.call("GET", "/v1/workspace", null, token).header("ETag");
        api.call("PATCH", "/v1/workspace", "{\"name\":\"mine\"}", ifMatch(fresh)).expect(200);
        assertThat(api.call("GET", "/v1/workspace", null, token).text("/name")).isEqualTo("mine");
    }

    @Test
    void quotaCounterChangesBumpTheWorkspaceVersionBecauseItsGetShowsUsage() {
        long before = ver(Keys.workspace(workspaceId));
        String etag = api.call("GET", "/v1/workspace", null, token).expect(200).header("ETag");
        var friend = api.signup("counted-" + UUID.randomUUID().toString().substring(0, 6) + "@example.com", "Counted");
        // a member added between the check and the rename: member_count (shown as quota.members.used) changes
        INTERLEAVE.before(Keys.workspace(workspaceId),
                () -> wiring.memberService().add(owner, friend.text("/user/email"), Role.VIEWER, other));

        api.call("PATCH", "/v1/workspace", "{\"name\":\"not-this\"}", ifMatch(etag)).expectError(412, "precondition_failed");

        assertThat(INTERLEAVE.fired()).isEqualTo(1);
        assertThat(api.call("GET", "/v1/workspace", null, token).text("/name")).isNotEqualTo("not-this");
        assertThat(ver(Keys.workspace(workspaceId))).isEqualTo(before + 1);
    }

    @Test
    void aWorkspaceWrittenBeforeVersionsCountsAsVersionZero() {
        dropVersion(Keys.workspace(workspaceId));
        String etag = api.call("GET", "/v1/workspace", null, token).expect(200).header("ETag");
        api.call("PATCH", "/v1/workspace", "{\"name\":\"legacy-ok\"}", ifMatch(etag)).expect(200);
        assertThat(ver(Keys.workspace(workspaceId))).isEqualTo(1);

        // and the version-0 condition is atomic too
        dropVersion(Keys.workspace(workspaceId));
        String legacy = api.call("GET", "/v1/workspace", null, token).expect(200).header("ETag");
        INTERLEAVE.before(Keys.workspace(workspaceId), () -> wiring.workspaceService().rename(owner, "legacy-theirs", other));
        api.call("PATCH", "/v1/workspace", "{\"name\":\"legacy-mine\"}", ifMatch(legacy)).expectError(412, "precondition_failed");
        assertThat(INTERLEAVE.fired()).isEqualTo(1);
        assertThat(api.call("GET", "/v1/workspace", null, token).text("/name")).isEqualTo("legacy-theirs");
        assertThat(ver(Keys.workspace(workspaceId))).isEqualTo(1);
    }

    // --- members ----------------------------------------------------------------------------------

    @Test
    void aRoleChangedAndChangedBackBetweenTheCheckAndTheWriteMakesTheMemberPatch412() {
        String friend = addMember(Role.VIEWER);
        String path = "/v1/members/" + friend;
        String etag = api.call("GET", path, null, token).expect(200).header("ETag");
        int audited = auditCount("member.role_changed");
        // viewer → developer → viewer: the role looks the same again, but the member did change
        INTERLEAVE.before(Keys.member(workspaceId, friend), () -> {
            wiring.memberService().changeRole(owner, friend, Role.DEVELOPER, other);
            wiring.memberService().changeRole(owner, friend, Role.VIEWER, other);
        });

        api.call("PATCH", path, "{\"role\":\"admin\"}", ifMatch(etag)).expectError(412, "precondition_failed");

        assertThat(INTERLEAVE.fired()).isEqualTo(1);
        assertThat(api.call("GET", path, null, token).expect(200).text("/role")).isEqualTo("viewer");
        assertThat(auditCount("member.role_changed")).isEqualTo(audited + 2);
    }

    @Test
    void aRoleChangeBetweenTheCheckAndTheWriteMakesTheMemberPatch412() {
        String friend = addMember(Role.VIEWER);
        String path = "/v1/members/" + friend;
        String etag = api.call("GET", path, null, token).expect(200).header("ETag");
        INTERLEAVE.before(Keys.member(workspaceId, friend), () -> wiring.memberService().changeRole(owner, friend, Role.DEVELOPER, other));

        api.call("PATCH", path, "{\"role\":\"admin\"}", ifMatch(etag)).expectError(412, "precondition_failed");

        assertThat(INTERLEAVE.fired()).isEqualTo(1);
        assertThat(api.call("GET", path, null, token).text("/role")).isEqualTo("developer");
    }

    @Test
    void aRoleChangeBetweenTheCheckAndTheRemovalMakesTheMemberDelete412() {
        String friend = addMember(Role.VIEWER);
        String path = "/v1/members/" + friend;
        String etag = api.call("GET", path, null, token).expect(200).header("ETag");
        long members = api.call("GET", "/v1/workspace", null, token).json().at("/quota/members/used").asLong();
        INTERLEAVE.before(Keys.member(workspaceId, friend), () -> {
            wiring.memberService().changeRole(owner, friend, Role.DEVELOPER, other);
            wiring.memberService().changeRole(owner, friend, Role.VIEWER, other);
        });

        api.call("DELETE", path, null, ifMatch(etag)).expectError(412, "precondition_failed");

        assertThat(INTERLEAVE.fired()).isEqualTo(1);
        assertThat(api.call("GET", path, null, token).expect(200).text("/role")).isEqualTo("viewer");
        assertThat(api.call("GET", "/v1/workspace", null, token).json().at("/quota/members/used").asLong()).isEqualTo(members);
    }

    @Test
    void aMemberWrittenBeforeVersionsCountsAsVersionZero() {
        String friend = addMember(Role.VIEWER);
        String path = "/v1/members/" + friend;
        dropVersion(Keys.member(workspaceId, friend));
        String etag = api.call("GET", path, null, token).expect(200).header("ETag");
        INTERLEAVE.before(Keys.member(workspaceId, friend), () -> {
            wiring.memberService().changeRole(owner, friend, Role.DEVELOPER, other);
            wiring.memberService().changeRole(owner, friend, Role.VIEWER, other);
        });
        api.call("PATCH", path, "{\"role\":\"admin\"}", ifMatch(etag)).expectError(412, "precondition_failed");
        assertThat(ver(Keys.member(workspaceId, friend))).isEqualTo(2);

        String fresh = api.call("GET", path, null, token).expect(200).header("ETag");
        api.call("PATCH", path, "{\"role\":\"admin\"}", ifMatch(fresh)).expect(200);
        assertThat(ver(Keys.member(workspaceId, friend))).isEqualTo(3);
    }

    // --- API keys ---------------------------------------------------------------------------------

    @Test
    void aRenameBetweenTheCheckAndTheWriteMakesTheApiKeyPatch412() {
        String id = api.call("POST", "/v1/api-keys", "{\"name\":\"ci\"}", token).expect(201).text("/id");
        String path = "/v1/api-keys/" + id;
        String etag = api.call("GET", path, null, token).expect(200).header("ETag");
        int audited = auditCount("api_key.updated");
        INTERLEAVE.before(Keys.apiKey(id), () -> wiring.apiKeyService().update(owner, id, "theirs", null, other));

        api.call("PATCH", path, "{\"name\":\"mine\",\"ip_allowlist\":[\"10.0.0.0/8\"]}", ifMatch(etag))
                .expectError(412, "precondition_failed");

        assertThat(INTERLEAVE.fired()).isEqualTo(1);
        var now = api.call("GET", path, null, token).expect(200);
        assertThat(now.text("/name")).isEqualTo("theirs");
        assertThat(now.json().get("ip_allowlist").size()).isZero();
        assertThat(auditCount("api_key.updated")).isEqualTo(audited + 1);
    }

    @Test
    void aRenameBetweenTheCheckAndTheRevocationMakesTheApiKeyDelete412() {
        String id = api.call("POST", "/v1/api-keys", "{\"name\":\"ci\"}", token).expect(201).text("/id");
        String path = "/v1/api-keys/" + id;
        String etag = api.call("GET", path, null, token).expect(200).header("ETag");
        INTERLEAVE.before(Keys.apiKey(id), () -> wiring.apiKeyService().update(owner, id, "theirs", null, other));

        api.call("DELETE", path, null, ifMatch(etag)).expectError(412, "precondition_failed");

        assertThat(INTERLEAVE.fired()).isEqualTo(1);
        var now = api.call("GET", path, null, token).expect(200);
        assertThat(now.text("/name")).isEqualTo("theirs");
        assertThat(now.json().get("revoked_at").isNull()).isTrue();
    }

    @Test
    void everyWriteToAnApiKeyBumpsItsVersionAndOldKeysStartAtZero() {
        var created = api.call("POST", "/v1/api-keys", "{\"name\":\"v\"}", token).expect(201);
        String id = created.text("/id");
        String path = "/v1/api-keys/" + id;
        assertThat(ver(Keys.apiKey(id))).isEqualTo(1);
        dropVersion(Keys.apiKey(id));
        api.call("PATCH", path, "{\"name\":\"v2\"}", ifMatch(api.call("GET", path, null, token).header("ETag"))).expect(200);
        assertThat(ver(Keys.apiKey(id))).isEqualTo(1);
        api.call("GET", "/v1/me", null, created.text("/token")).expect(200); // authenticating records last_used_at
        assertThat(item(Keys.apiKey(id))).containsKey("last_used_at");
        assertThat(ver(Keys.apiKey(id))).isEqualTo(2);
        api.call("DELETE", path, null, ifMatch(api.call("GET", path, null, token).header("ETag"))).expect(204);
        assertThat(ver(Keys.apiKey(id))).isEqualTo(3);
    }

    @Test
    void withoutIfMatchTheLastWriteWins() {
        String id = api.call("POST", "/v1/api-keys", "{\"name\":\"ci\"}", token).expect(201).text("/id");
        INTERLEAVE.before(Keys.apiKey(id), () -> wiring.apiKeyService().update(owner, id, "theirs", null, other));
        api.call("PATCH", "/v1/api-keys/" + id, "{\"name\":\"mine\"}", token).expect(200);
        assertThat(INTERLEAVE.fired()).isEqualTo(1);
        assertThat(api.call("GET", "/v1/api-keys/" + id, null, token).text("/name")).isEqualTo("mine");
    }
}
