package dev.gantry.functions.identity;

import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.http.Route;
import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Idempotency-Key and If-Match (API.md §1) on the identity routes, against DynamoDB Local. */
class WriteRulesIT {
    private static Wiring wiring;
    private static IdentityClient api;
    private static String token;

    @BeforeAll
    static void start() {
        wiring = TestStack.newWiring();
        api = new IdentityClient(new IdentityHandler(wiring));
        token = api.signup("rules-" + UUID.randomUUID().toString().substring(0, 6) + "@example.com", "Rules").text("/token");
        api.call("POST", "/v1/subscription/change", "{\"plan\":\"pro\"}", token).expect(200);
    }

    private static Map<String, String> headers(String... pairs) {
        Map<String, String> h = new HashMap<>();
        h.put("authorization", "Bearer " + token);
        for (int i = 0; i < pairs.length; i += 2) h.put(pairs[i], pairs[i + 1]);
        return h;
    }

    private static int keyCount() {
        return api.call("GET", "/v1/api-keys?limit=100", null, token).expect(200).json().get("data").size();
    }

    @Test
    void aRetryWithTheSameKeyReplaysTheFirstAnswerAndCreatesNothing() {
        int before = keyCount();
        String key = "retry-" + UUID.randomUUID();
        var first = api.call("POST", "/v1/api-keys", "{\"name\":\"ci\"}", headers("idempotency-key", key)).expect(201);
        var second = api.call("POST", "/v1/api-keys", "{\"name\":\"ci\"}", headers("idempotency-key", key)).expect(201);
        assertThat(second.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(first.header("Idempotent-Replayed")).isNull();
        assertThat(second.text("/id")).isEqualTo(first.text("/id"));
        assertThat(second.text("/token")).isEqualTo(first.text("/token"));
        assertThat(second.header("X-Request-Id")).isNotEqualTo(first.header("X-Request-Id"));
        assertThat(keyCount()).isEqualTo(before + 1);

        // the stored answer holds the key's token: it is encrypted at rest, never in clear
        var items = wiring.table().client().scan(b -> b.tableName(wiring.table().name())).items();
        assertThat(items.toString()).doesNotContain(first.text("/token"));
    }

    @Test
    void theSameKeyWithAnotherRequestIs409Reused() {
        String key = "reuse-" + UUID.randomUUID();
        api.call("POST", "/v1/api-keys", "{\"name\":\"one\"}", headers("idempotency-key", key)).expect(201);
        api.call("POST", "/v1/api-keys", "{\"name\":\"two\"}", headers("idempotency-key", key)).expectError(409, "idempotency_key_reused");
        api.call("POST", "/v1/members", "{\"name\":\"one\"}", headers("idempotency-key", key)).expectError(409, "idempotency_key_reused");
    }

    @Test
    void aFailedRequestReleasesItsKey() {
        String key = "fail-" + UUID.randomUUID();
        api.call("POST", "/v1/members", "{\"email\":\"nobody-" + key + "@example.com\",\"role\":\"viewer\"}", headers("idempotency-key", key))
                .expectError(404, "user_not_found");
        var friend = api.signup("friend-" + UUID.randomUUID().toString().substring(0, 6) + "@example.com", "Friend");
        api.call("POST", "/v1/members", "{\"email\":\"" + friend.text("/user/email") + "\",\"role\":\"viewer\"}", headers("idempotency-key", key))
                .expect(201);
    }

    @Test
    void keysAreCheckedAndScopedToTheWorkspace() {
        api.call("POST", "/v1/api-keys", "{\"name\":\"x\"}", headers("idempotency-key", "x".repeat(256))).expectError(400, "validation_error");
        api.call("POST", "/v1/api-keys", "{\"name\":\"x\"}", headers("idempotency-key", "tab\there")).expectError(400, "validation_error");
        String key = "shared-" + UUID.randomUUID();
        api.call("POST", "/v1/api-keys", "{\"name\":\"mine\"}", headers("idempotency-key", key)).expect(201);
        String other = api.signup("other-" + UUID.randomUUID().toString().substring(0, 6) + "@example.com", "Other").text("/token");
        var theirs = api.call("POST", "/v1/api-keys", "{\"name\":\"mine\"}", Map.of("authorization", "Bearer " + other, "idempotency-key", key)).expect(201);
        assertThat(theirs.header("Idempotent-Replayed")).isNull();
    }

    @Test
    void concurrentRetriesCreateExactlyOnce() throws Exception {
        int before = keyCount();
        String key = "race-" + UUID.randomUUID();
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Reply>> replies = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            replies.add(pool.submit(() -> {
                go.await();
                return api.call("POST", "/v1/api-keys", "{\"name\":\"race\"}", headers("idempotency-key", key));
            }));
        }
        go.countDown();
        List<String> ids = new ArrayList<>();
        int inUse = 0;
        for (Future<Reply> f : replies) {
            Reply r = f.get();
            if (r.status() == 201) ids.add(r.text("/id"));
            else {
                r.expectError(409, "idempotency_key_in_use");
                inUse++;
            }
        }
        pool.shutdown();
        assertThat(ids).isNotEmpty();
        assertThat(ids).as("every success is the same key").containsOnly(ids.get(0));
        assertThat(ids.size() + inUse).isEqualTo(threads);
        assertThat(keyCount()).isEqualTo(before + 1);
    }

    @Test
    void ifMatchGuardsEveryWriteToASingleResource() {
        var ws = api.call("GET", "/v1/workspace", null, token).expect(200);
        String etag = ws.header("ETag");
        api.call("PATCH", "/v1/workspace", "{\"name\":\"stale\"}", headers("if-match", "\"not-the-etag\"")).expectError(412, "precondition_failed");
        assertThat(api.call("GET", "/v1/workspace", null, token).text("/name")).isEqualTo(ws.text("/name"));
        api.call("PATCH", "/v1/workspace", "{\"name\":\"fresh\"}", headers("if-match", etag)).expect(200);
        // the old ETag is stale now
        api.call("PATCH", "/v1/workspace", "{\"name\":\"again\"}", headers("if-match", etag)).expectError(412, "precondition_failed");
        assertThat(api.call("GET", "/v1/workspace", null, token).text("/name")).isEqualTo("fresh");

        var key = api.call("POST", "/v1/api-keys", "{\"name\":\"etag\"}", token).expect(201);
        String path = "/v1/api-keys/" + key.text("/id");
        String keyTag = api.call("GET", path, null, token).expect(200).header("ETag");
        api.call("DELETE", path, null, headers("if-match", "\"stale\"")).expectError(412, "precondition_failed");
        assertThat(api.call("GET", path, null, token).json().get("revoked_at").isNull()).isTrue();
        api.call("PATCH", path, "{\"name\":\"renamed\"}", headers("if-match", keyTag)).expect(200);
        api.call("DELETE", path, null, headers("if-match", "*")).expect(204);

        String me = api.call("GET", "/v1/me", null, token).text("/id");
        String memberTag = api.call("GET", "/v1/members/" + me, null, token).expect(200).header("ETag");
        api.call("PATCH", "/v1/members/" + me, "{\"role\":\"owner\"}", headers("if-match", memberTag)).expect(200);
    }

    /** If-Match needs a representation: every PATCH, PUT and DELETE route has a GET on the same path. */
    @Test
    void everyWriteRouteHasARepresentationToMatch() {
        List<String> missing = new ArrayList<>();
        for (Route<IdentityApi> r : IdentityRoutes.TABLE.routes()) {
            if (!List.of("PATCH", "PUT", "DELETE").contains(r.method())) continue;
            boolean hasGet = IdentityRoutes.TABLE.routes().stream()
                    .anyMatch(g -> g.method().equals("GET") && g.path().template().equals(r.path().template()));
            if (!hasGet) missing.add(r.routeKey());
        }
        assertThat(missing).isEmpty();
    }
}
