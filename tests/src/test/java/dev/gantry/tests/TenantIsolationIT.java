package dev.gantry.tests;

import dev.gantry.functions.Catalog;
import dev.gantry.shared.functions.FunctionSpec;
import dev.gantry.shared.http.Route;
import dev.gantry.shared.testing.Reply;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static dev.gantry.tests.LocalGantry.call;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two workspaces. For every authenticated route that takes an id, workspace A's owner names
 * workspace B's resource and gets exactly what a missing id gets (404), and B's resource is
 * unchanged afterwards. The test walks the route tables: a new route with a path parameter and no
 * entry in {@link #probes} fails {@link #everyRouteWithAnIdIsProbed()}.
 */
class TenantIsolationIT {
    /** Public routes whose ids are not workspace resources. */
    private static final Set<String> NOT_TENANT_SCOPED = Set.of("GET /v1/plans/{name}");

    /** An id of each type's shape that exists nowhere. */
    private static final String MISSING = "01j9zzzzzzzzzzzzzzzzzzzzzz";

    /**
     * How to probe one route: B's path, a body for writes, B's view of the resource before and
     * after, and the id of B's that the path names (by default its last segment). The same path
     * with that id swapped for a missing one of its type must be answered the same way.
     */
    record Probe(String path, String body, String snapshotPath, String foreignId) {
        Probe(String path, String body, String snapshotPath) {
            this(path, body, snapshotPath, path.substring(path.lastIndexOf('/') + 1));
        }

        String missingPath() {
            return path.replace(foreignId, foreignId.substring(0, foreignId.indexOf('_') + 1) + MISSING);
        }
    }

    private static String aToken;
    private static String bToken;
    private static Map<String, Probe> probes;

    @BeforeAll
    static void twoWorkspaces() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        aToken = signup("a-" + suffix).text("/token");
        var b = signup("b-" + suffix);
        bToken = b.text("/token");
        var bMember = signup("b-member-" + suffix);
        // Both on pro: a free workspace's burst (50) is smaller than the requests this test makes,
        // and B needs room for its platform resources.
        call("POST", "/v1/subscription/change", "{\"plan\":\"pro\"}", aToken).expect(200);
        call("POST", "/v1/subscription/change", "{\"plan\":\"pro\"}", bToken).expect(200);
        call("POST", "/v1/members", "{\"email\":\"" + bMember.text("/user/email") + "\",\"role\":\"developer\"}", bToken).expect(201);
        String bMemberId = bMember.text("/user/id");
        String bKeyId = call("POST", "/v1/api-keys", "{\"name\":\"b-key\"}", bToken).expect(201).text("/id");

        probes = new LinkedHashMap<>();
        probes.put("GET /v1/members/{user_id}", new Probe("/v1/members/" + bMemberId, null, "/v1/members"));
        probes.put("PATCH /v1/members/{user_id}", new Probe("/v1/members/" + bMemberId, "{\"role\":\"viewer\"}", "/v1/members"));
        probes.put("DELETE /v1/members/{user_id}", new Probe("/v1/members/" + bMemberId, null, "/v1/members"));
        probes.put("GET /v1/api-keys/{id}", new Probe("/v1/api-keys/" + bKeyId, null, "/v1/api-keys/" + bKeyId));
        probes.put("PATCH /v1/api-keys/{id}", new Probe("/v1/api-keys/" + bKeyId, "{\"name\":\"stolen\"}", "/v1/api-keys/" + bKeyId));
        probes.put("DELETE /v1/api-keys/{id}", new Probe("/v1/api-keys/" + bKeyId, null, "/v1/api-keys/" + bKeyId));

        addPlatformProbes();
    }

    /**
     * B's platform resources, made through the API (simulated GitHub and providers): a scanned repo, a
     * compute target, an environment whose VM the workers have provisioned, an env var, a shared
     * secret and its binding, and two deploys the workers have run. Probes wait until the workers
     * are done with them, so that B's views change only if a probe changes them.
     */
    private static void addPlatformProbes() {
        String repo = call("POST", "/v1/repos", "{\"full_name\":\"gantry-demo/flask-app\"}", bToken).expect(201).text("/id");
        String ct = call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"B's cloud\","
                + "\"api_token\":\"b-hetzner-token-0123456789abcdef\"}", bToken).expect(201).text("/id");
        String env = call("POST", "/v1/repos/" + repo + "/environments", "{\"name\":\"production\",\"compute_target_id\":\"" + ct + "\"}",
                bToken).expect(201).text("/id");
        call("PUT", "/v1/environments/" + env + "/env-vars", "[{\"key\":\"B_KEY\",\"value\":\"b-env-value\",\"secret\":true}]", bToken)
                .expect(200);
        String secret = call("POST", "/v1/secrets", "{\"key\":\"B_SECRET\",\"value\":\"b-secret-value\",\"scope\":\"all\"}", bToken)
                .expect(201).text("/id");
        String binding = call("POST", "/v1/environments/" + env + "/secret-bindings", "{\"secret_key\":\"B_SECRET\"}", bToken)
                .expect(201).text("/id");
        // the repo's scan and the environment's provisioning job are run by the local server's workers
        awaitField("/v1/repos/" + repo, "/scan_status", "completed");
        awaitField("/v1/environments/" + env, "/status", "ready");
        String instance = call("GET", "/v1/environments/" + env, null, bToken).expect(200).text("/instance_id");
        assertThat(instance).startsWith("inst_");
        awaitField("/v1/instances/" + instance, "/status", "running");

        String r = "/v1/repos/" + repo;
        probes.put("GET /v1/repos/{id}", new Probe(r, null, r));
        probes.put("DELETE /v1/repos/{id}", new Probe(r, null, r));
        probes.put("POST /v1/repos/{id}/scan", new Probe(r + "/scan", "{}", r, repo));
        probes.put("POST /v1/repos/{id}/environments", new Probe(r + "/environments",
                "{\"name\":\"stolen\",\"compute_target_id\":\"" + ct + "\"}", r + "/environments", repo));
        probes.put("GET /v1/repos/{id}/environments", new Probe(r + "/environments", null, r + "/environments", repo));

        String e = "/v1/environments/" + env;
        probes.put("GET /v1/environments/{id}", new Probe(e, null, e));
        probes.put("PATCH /v1/environments/{id}", new Probe(e, "{\"branch\":\"stolen\",\"auto_deploy\":false}", e));
        probes.put("DELETE /v1/environments/{id}", new Probe(e, null, e));
        probes.put("GET /v1/environments/{id}/env-vars", new Probe(e + "/env-vars", null, e + "/env-vars", env));
        probes.put("PUT /v1/environments/{id}/env-vars", new Probe(e + "/env-vars", "[{\"key\":\"STOLEN\",\"value\":\"x\"}]",
                e + "/env-vars", env));
        probes.put("PATCH /v1/environments/{id}/env-vars", new Probe(e + "/env-vars",
                "{\"set\":[{\"key\":\"STOLEN\",\"value\":\"x\"}],\"unset\":[\"B_KEY\"]}", e + "/env-vars", env));
        probes.put("GET /v1/environments/{id}/env-vars/{key}/reveal", new Probe(e + "/env-vars/B_KEY/reveal", null, e + "/env-vars", env));
        probes.put("GET /v1/environments/{id}/secret-bindings", new Probe(e + "/secret-bindings", null, e + "/secret-bindings", env));
        probes.put("POST /v1/environments/{id}/secret-bindings", new Probe(e + "/secret-bindings", "{\"secret_key\":\"B_SECRET\",\"alias\":\"STOLEN\"}",
                e + "/secret-bindings", env));
        probes.put("DELETE /v1/environments/{id}/secret-bindings/{binding_id}", new Probe(e + "/secret-bindings/" + binding, null,
                e + "/secret-bindings"));
        probes.put("GET /v1/environments/{id}/resolved-env", new Probe(e + "/resolved-env?reveal=true", null, e + "/resolved-env", env));

        String sec = "/v1/secrets/" + secret;
        probes.put("GET /v1/secrets/{id}", new Probe(sec, null, sec));
        probes.put("PATCH /v1/secrets/{id}", new Probe(sec, "{\"value\":\"stolen\"}", sec + "/reveal", secret));
        probes.put("DELETE /v1/secrets/{id}", new Probe(sec + "?force=true", null, sec, secret));
        probes.put("GET /v1/secrets/{id}/reveal", new Probe(sec + "/reveal", null, sec, secret));

        String c = "/v1/compute-targets/" + ct;
        probes.put("GET /v1/compute-targets/{id}", new Probe(c, null, c));
        probes.put("DELETE /v1/compute-targets/{id}", new Probe(c, null, c));

        String i = "/v1/instances/" + instance;
        probes.put("GET /v1/instances/{id}", new Probe(i, null, i));
        probes.put("DELETE /v1/instances/{id}", new Probe(i, null, i));

        // Two deploys of B's environment, run to the end by the local server's deploy worker one
        // after the other (so the second is not superseded), so that B's deploys no longer change on
        // their own and the second has an earlier deploy a rollback could go back to.
        String firstDeploy = call("POST", e + "/deploys", "{\"sha\":\"" + "b1".repeat(20) + "\"}", bToken).expect(202).text("/id");
        awaitTerminal("/v1/deploys/" + firstDeploy);
        String deploy = call("POST", e + "/deploys", "{\"sha\":\"" + "b2".repeat(20) + "\"}", bToken).expect(202).text("/id");
        assertThat(deploy).startsWith("dep_");
        awaitTerminal("/v1/deploys/" + deploy);
        String envDeploys = "/v1/deploys?environment_id=" + env;
        probes.put("POST /v1/environments/{id}/deploys", new Probe(e + "/deploys", "{\"sha\":\"" + "a0".repeat(20) + "\"}", envDeploys, env));
        String d = "/v1/deploys/" + deploy;
        probes.put("GET /v1/deploys/{id}", new Probe(d, null, d));
        probes.put("POST /v1/deploys/{id}/cancel", new Probe(d + "/cancel", "{}", d, deploy));
        probes.put("POST /v1/deploys/{id}/rollback", new Probe(d + "/rollback", "{}", envDeploys, deploy));
        probes.put("GET /v1/deploys/{id}/logs", new Probe(d + "/logs?limit=100", null, d + "/logs?limit=100", deploy));
        addWebhookProbes();
    }

    /** Polls B's deploy until it is over (succeeded or failed); generous, like {@link #awaitField}. */
    private static void awaitTerminal(String path) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(120).toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            last = call("GET", path, null, bToken).expect(200).text("/status");
            if ("succeeded".equals(last) || "failed".equals(last)) return;
            try {
                Thread.sleep(500);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }
        throw new AssertionError(path + " is still " + last + ", expected it to be succeeded or failed");
    }

    /**
     * B's webhook endpoint (on a loopback port nothing listens on: its deliveries fail and retry,
     * which changes its deliveries but not the endpoint itself, so the endpoint is every probe's
     * snapshot) and a delivery of it (a test ping).
     */
    private static void addWebhookProbes() {
        String whe = call("POST", "/v1/webhook-endpoints", "{\"url\":\"http://127.0.0.1:9/b-hook\",\"events\":[\"*\"]}", bToken)
                .expect(201).text("/id");
        String msg = call("POST", "/v1/webhook-endpoints/" + whe + "/test", "{}", bToken).expect(202).text("/id");
        String w = "/v1/webhook-endpoints/" + whe;
        probes.put("GET /v1/webhook-endpoints/{id}", new Probe(w, null, w));
        probes.put("PATCH /v1/webhook-endpoints/{id}", new Probe(w, "{\"status\":\"disabled\",\"description\":\"stolen\"}", w));
        probes.put("DELETE /v1/webhook-endpoints/{id}", new Probe(w, null, w));
        probes.put("POST /v1/webhook-endpoints/{id}/rotate-secret", new Probe(w + "/rotate-secret", "{}", w, whe));
        probes.put("POST /v1/webhook-endpoints/{id}/test", new Probe(w + "/test", "{}", w, whe));
        probes.put("GET /v1/webhook-endpoints/{id}/deliveries", new Probe(w + "/deliveries", null, w, whe));
        probes.put("GET /v1/webhook-endpoints/{id}/deliveries/{delivery_id}", new Probe(w + "/deliveries/" + msg, null, w, whe));
        probes.put("POST /v1/webhook-endpoints/{id}/deliveries/{delivery_id}/redeliver",
                new Probe(w + "/deliveries/" + msg + "/redeliver", "{}", w, whe));
    }

    /** Polls B's resource until a field has a value; the deadline is generous (workers run every few seconds), not a timing claim. */
    private static void awaitField(String path, String pointer, String expected) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(90).toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            last = call("GET", path, null, bToken).expect(200).text(pointer);
            if (expected.equals(last)) return;
            try {
                Thread.sleep(500);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }
        throw new AssertionError(path + pointer + " is still " + last + ", expected " + expected);
    }

    private static Reply signup(String who) {
        return call("POST", "/v1/auth/signup",
                "{\"email\":\"" + who + "@example.com\",\"password\":\"correct horse battery\",\"name\":\"" + who + "\"}", null).expect(201);
    }

    private static List<Route<?>> routesWithIds() {
        List<Route<?>> out = new ArrayList<>();
        for (FunctionSpec spec : Catalog.API_FUNCTIONS) {
            for (Route<?> r : spec.routes().routes()) {
                if (!r.path().parameterNames().isEmpty() && !NOT_TENANT_SCOPED.contains(r.routeKey())) out.add(r);
            }
        }
        return out;
    }

    @Test
    void everyRouteWithAnIdIsProbed() {
        assertThat(probes.keySet()).containsExactlyInAnyOrderElementsOf(routesWithIds().stream().map(Route::routeKey).toList());
        for (String key : NOT_TENANT_SCOPED) {
            assertThat(Catalog.API_FUNCTIONS.stream().flatMap(f -> f.routes().routes().stream())
                    .filter(r -> r.routeKey().equals(key)).findFirst().orElseThrow().access().isPublic())
                    .as("%s is exempt only because it is public", key).isTrue();
        }
    }

    @Test
    void anotherWorkspacesIdsAreNotFoundAndNothingOfThemChanges() {
        for (Route<?> route : routesWithIds()) {
            Probe probe = probes.get(route.routeKey());
            String before = call("GET", probe.snapshotPath(), null, bToken).expect(200).raw();

            Reply reply = call(route.method(), probe.path(), probe.body(), aToken);
            assertThat(reply.status()).as("%s with another workspace's id", route.routeKey()).isEqualTo(404);
            assertThat(reply.text("/error")).endsWith("not_found");
            assertThat(reply.raw()).doesNotContain(probe.foreignId());

            // the same route with an id that exists nowhere answers the same way
            String missing = probe.missingPath();
            assertThat(missing).isNotEqualTo(probe.path());
            Reply none = call(route.method(), missing, probe.body(), aToken);
            assertThat(none.status()).as("%s with a missing id", route.routeKey()).isEqualTo(404);
            assertThat(none.text("/error")).as("%s: another workspace's id is answered like a missing one", route.routeKey())
                    .isEqualTo(reply.text("/error"));
            assertThat(none.text("/message")).isEqualTo(reply.text("/message"));
            assertThat(none.json().has("details")).isEqualTo(reply.json().has("details"));

            String after = call("GET", probe.snapshotPath(), null, bToken).expect(200).raw();
            assertThat(after).as("B's resource after %s", route.routeKey()).isEqualTo(before);
        }
    }
}
