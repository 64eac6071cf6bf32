package dev.gantry.tests;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.shared.testing.Reply;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.gantry.tests.LocalGantry.await;
import static dev.gantry.tests.LocalGantry.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * openapi.yaml against real traffic (issue #9). Every exchange of every end-to-end scenario goes
 * through {@link OpenApiContract} in {@link LocalGantry}; this class proves that the checker is
 * on and can fail: one run across the whole API (identity, platform, deploys, webhooks, errors)
 * is checked exchange by exchange, and answers the document forbids are reported as violations.
 */
class ContractIT {
    @Test
    void aRunAcrossTheWholeApiConformsExchangeByExchange() {
        OpenApiContract contract = OpenApiContract.get();
        int responsesBefore = contract.responsesChecked();
        int requestsBefore = contract.requestsChecked();
        int violationsBefore = contract.violationsFound();
        String suffix = UUID.randomUUID().toString().substring(0, 8);

        // public routes
        call("GET", "/health", null, null).expect(200);
        call("GET", "/v1/plans", null, null).expect(200);
        call("GET", "/v1/plans/pro", null, null).expect(200);
        call("GET", "/v1/plans/enterprise", null, null).expectError(404, "plan_not_found");
        call("GET", "/v1/openapi.json", null, null).expect(200);

        // identity
        String email = "contract-" + suffix + "@example.com";
        Reply signup = call("POST", "/v1/auth/signup",
                "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\",\"name\":\"Contract\",\"workspace_name\":\"Contract Co\"}", null)
                .expect(201);
        call("POST", "/v1/auth/signup", "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\",\"name\":\"Again\"}", null)
                .expectError(409, "already_exists");
        call("POST", "/v1/auth/signup", "{\"email\":\"not-an-email\",\"password\":\"short\",\"nickname\":\"x\"}", null)
                .expectError(400, "validation_error");
        call("POST", "/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"wrong password here\"}", null)
                .expectError(401, "invalid_credentials");
        Reply login = call("POST", "/v1/auth/login", "{\"email\":\"" + email + "\",\"password\":\"correct horse battery\"}", null).expect(200);
        String token = call("POST", "/v1/auth/refresh", "{\"refresh_token\":\"" + login.text("/refresh_token") + "\"}", null)
                .expect(200).text("/token");
        call("GET", "/v1/me", null, null).expectError(401, "unauthorized");
        call("GET", "/v1/me", null, token).expect(200);
        call("GET", "/v1/workspaces", null, token).expect(200);
        call("GET", "/v1/workspace", null, token).expect(200);
        call("PATCH", "/v1/workspace", "{\"name\":\"Contract Ltd\"}", token).expect(200);
        call("POST", "/v1/subscription/change", "{\"plan\":\"pro\"}", token).expect(200);
        call("GET", "/v1/subscription", null, token).expect(200);
        String otherEmail = "contract-member-" + suffix + "@example.com";
        Reply other = call("POST", "/v1/auth/signup",
                "{\"email\":\"" + otherEmail + "\",\"password\":\"another good password\",\"name\":\"Member\"}", null).expect(201);
        String memberId = call("POST", "/v1/members", "{\"email\":\"" + otherEmail + "\",\"role\":\"developer\"}", token)
                .expect(201).text("/user_id");
        call("GET", "/v1/members", null, token).expect(200);
        call("GET", "/v1/members/" + memberId, null, token).expect(200);
        call("PATCH", "/v1/members/" + memberId, "{\"role\":\"admin\"}", token).expect(200);
        String workspaceId = signup.text("/workspace/id");
        call("POST", "/v1/auth/switch", "{\"workspace_id\":\"" + workspaceId + "\"}", other.text("/token")).expect(200);
        Reply key = call("POST", "/v1/api-keys", "{\"name\":\"contract\",\"role\":\"admin\"}", token).expect(201);
        String apiKey = key.text("/token");
        call("GET", "/v1/api-keys", null, token).expect(200);
        call("PATCH", "/v1/api-keys/" + key.text("/id"), "{\"ip_allowlist\":[]}", token).expect(200);
        call("GET", "/v1/api-keys/" + key.text("/id"), null, apiKey).expect(200);
        call("GET", "/v1/audit-log?limit=2", null, token).expect(200);
        call("GET", "/v1/github/installations", null, token).expect(200);

        // platform: repo → scan → compute target → environment → env vars, secrets, bindings
        String repoId = call("POST", "/v1/repos", "{\"full_name\":\"gantry-demo/static-site\"}", apiKey).expect(201).text("/id");
        await("/v1/repos/" + repoId, apiKey, r -> r.text("/scan_status").equals("completed"));
        String reposTag = call("GET", "/v1/repos?limit=1", null, apiKey).expect(200).header("etag");
        call("GET", "/v1/repos?limit=1", null, apiKey, Map.of("If-None-Match", reposTag)).expect(304);
        call("GET", "/v1/repos/repo_01j9zzzzzzzzzzzzzzzzzzzzzz", null, apiKey).expectError(404, "repo_not_found");
        String ct = call("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"H\",\"api_token\":\"hcloud-simulated-" + suffix + "\"}", apiKey)
                .expect(201).text("/id");
        call("POST", "/v1/compute-targets", "{\"provider\":\"aws\",\"name\":\"A\",\"api_token\":\"x\"}", apiKey).expect(400);
        call("GET", "/v1/compute-targets", null, apiKey).expect(200);
        call("GET", "/v1/compute-targets/" + ct, null, apiKey).expect(200);
        String env = call("POST", "/v1/repos/" + repoId + "/environments", "{\"name\":\"production\",\"compute_target_id\":\"" + ct + "\"}", apiKey)
                .expect(201).text("/id");
        call("GET", "/v1/repos/" + repoId + "/environments", null, apiKey).expect(200);
        Reply ready = await("/v1/environments/" + env, apiKey, r -> r.text("/status").equals("ready"));
        call("GET", "/v1/instances", null, apiKey).expect(200);
        call("GET", "/v1/instances/" + ready.text("/instance_id"), null, apiKey).expect(200);
        call("PATCH", "/v1/environments/" + env, "{\"branch\":\"main\",\"auto_deploy\":false}", apiKey).expect(200);
        call("PUT", "/v1/environments/" + env + "/env-vars",
                "[{\"key\":\"NODE_ENV\",\"value\":\"production\"},{\"key\":\"API_TOKEN\",\"value\":\"tok-" + suffix + "\",\"secret\":true}]", apiKey)
                .expect(200);
        call("PATCH", "/v1/environments/" + env + "/env-vars", "{\"set\":[{\"key\":\"LOG_LEVEL\",\"value\":\"debug\"}],\"unset\":[\"NODE_ENV\"]}", apiKey)
                .expect(200);
        call("GET", "/v1/environments/" + env + "/env-vars", null, apiKey).expect(200);
        call("GET", "/v1/environments/" + env + "/env-vars/API_TOKEN/reveal", null, apiKey).expect(200);
        String secret = call("POST", "/v1/secrets", "{\"key\":\"DATABASE_URL\",\"value\":\"postgres://contract\",\"scope\":\"all\"}", apiKey)
                .expect(201).text("/id");
        String again = "{\"key\":\"REDIS_URL\",\"value\":\"redis://contract\",\"scope\":\"production\"}";
        call("POST", "/v1/secrets", again, apiKey, Map.of("Idempotency-Key", "contract-" + suffix)).expect(201);
        Reply replayed = call("POST", "/v1/secrets", again, apiKey, Map.of("Idempotency-Key", "contract-" + suffix)).expect(201);
        assertThat(replayed.header("idempotent-replayed")).isEqualTo("true");
        call("GET", "/v1/secrets", null, apiKey).expect(200);
        call("GET", "/v1/secrets/" + secret, null, apiKey).expect(200);
        call("PATCH", "/v1/secrets/" + secret, "{\"value\":\"postgres://rotated\"}", apiKey).expect(200);
        call("GET", "/v1/secrets/" + secret + "/reveal", null, apiKey).expect(200);
        String binding = call("POST", "/v1/environments/" + env + "/secret-bindings", "{\"secret_key\":\"DATABASE_URL\"}", apiKey)
                .expect(201).text("/id");
        call("GET", "/v1/environments/" + env + "/secret-bindings", null, apiKey).expect(200);
        call("GET", "/v1/environments/" + env + "/resolved-env", null, apiKey).expect(200);
        call("GET", "/v1/environments/" + env + "/resolved-env?reveal=true", null, apiKey).expect(200);

        // a deploy through the API, its logs, the jobs
        String deploy = call("POST", "/v1/environments/" + env + "/deploys", "{\"sha\":\"" + "ab".repeat(20) + "\"}", apiKey).expect(202).text("/id");
        Reply done = await("/v1/deploys/" + deploy, apiKey, r -> List.of("succeeded", "failed").contains(r.text("/status")));
        assertThat(done.text("/status")).as(done.raw()).isEqualTo("succeeded");
        call("GET", "/v1/deploys?environment_id=" + env + "&limit=10", null, apiKey).expect(200);
        call("GET", "/v1/deploys/" + deploy + "/logs?limit=100", null, apiKey).expect(200);
        call("POST", "/v1/deploys/" + deploy + "/cancel", "{}", apiKey).expectError(409, "deploy_already_terminal");
        call("POST", "/v1/deploys/" + deploy + "/rollback", "{}", apiKey).expectError(409, "conflict");
        call("GET", "/v1/jobs", null, apiKey).expect(200);
        call("GET", "/v1/environments/" + env, null, apiKey).expect(200);

        // outbound webhooks (a loopback port nothing listens on: the delivery fails, and is listed)
        Reply endpoint = call("POST", "/v1/webhook-endpoints", "{\"url\":\"http://127.0.0.1:9/contract\",\"events\":[\"deploy.*\"]}", apiKey)
                .expect(201);
        String whe = endpoint.text("/id");
        call("GET", "/v1/webhook-endpoints", null, apiKey).expect(200);
        call("GET", "/v1/webhook-endpoints/" + whe, null, apiKey).expect(200);
        call("PATCH", "/v1/webhook-endpoints/" + whe, "{\"description\":\"contract\"}", apiKey).expect(200);
        call("POST", "/v1/webhook-endpoints/" + whe + "/rotate-secret", "{}", apiKey).expect(200);
        call("POST", "/v1/webhook-endpoints/" + whe + "/test", "{}", apiKey).expect(202);
        Reply deliveries = await("/v1/webhook-endpoints/" + whe + "/deliveries", apiKey, r -> !r.json().get("data").isEmpty());
        call("GET", "/v1/webhook-endpoints/" + whe + "/deliveries/" + deliveries.text("/data/0/id"), null, apiKey).expect(200);

        // the router's own answers, then tidy up
        call("PUT", "/v1/me", "{}", token).expectError(405, "method_not_allowed");
        call("GET", "/v1/no-such-route", null, token).expectError(404, "not_found");
        call("DELETE", "/v1/webhook-endpoints/" + whe, null, apiKey).expect(204);
        call("DELETE", "/v1/environments/" + env + "/secret-bindings/" + binding, null, apiKey).expect(204);
        call("DELETE", "/v1/secrets/" + secret, null, apiKey).expect(204);
        call("DELETE", "/v1/environments/" + env, null, apiKey).expect(202);
        call("DELETE", "/v1/members/" + memberId, null, token).expect(204);
        call("DELETE", "/v1/api-keys/" + key.text("/id"), null, token).expect(204);
        call("POST", "/v1/subscription/cancel", null, token).expect(200);
        call("POST", "/v1/auth/logout", null, token).expect(200);

        int responses = contract.responsesChecked() - responsesBefore;
        int requests = contract.requestsChecked() - requestsBefore;
        System.out.printf("ContractIT: %d responses and %d accepted requests checked against openapi.yaml%n", responses, requests);
        // at least one per call above (82, of which 12 answer an error or a 304 on purpose) and per await (4)
        assertThat(responses).as("responses checked against openapi.yaml").isGreaterThanOrEqualTo(86);
        assertThat(requests).as("accepted requests checked against openapi.yaml").isGreaterThanOrEqualTo(74);
        assertThat(contract.violationsFound() - violationsBefore).as("violations").isZero();
    }

    @Test
    void theCheckerReportsAnswersTheDocumentForbids() {
        OpenApiContract contract = OpenApiContract.get();
        Reply health = call("GET", "/health", null, null).expect(200);
        String signupBody = "{\"email\":\"contract-neg-" + UUID.randomUUID().toString().substring(0, 8)
                + "@example.com\",\"password\":\"correct horse battery\",\"name\":\"Neg\"}";
        Reply signup = call("POST", "/v1/auth/signup", signupBody, null).expect(201);
        Map<String, List<String>> bearer = Map.of("Authorization", List.of("Bearer " + signup.text("/token")));
        Reply me = call("GET", "/v1/me", null, signup.text("/token")).expect(200);
        Reply missingRepo = call("GET", "/v1/repos/repo_01j9zzzzzzzzzzzzzzzzzzzzzz", null, signup.text("/token")).expectError(404, "repo_not_found");
        Map<String, List<String>> json = Map.of("Content-Type", List.of("application/json"));

        // the real exchanges conform: each case below fails for the one change it makes
        assertThat(contract.violations(exchange("GET", "/health", Map.of(), health, health.raw()))).isEmpty();
        assertThat(contract.violations(exchange("GET", "/v1/me", bearer, me, me.raw()))).isEmpty();
        assertThat(contract.violations(new OpenApiContract.Exchange("POST", "/v1/auth/signup", json, signupBody,
                201, lists(signup.headers()), signup.raw()))).isEmpty();

        // a required field missing
        ObjectNode noEmail = (ObjectNode) me.json().deepCopy();
        noEmail.remove("email");
        assertThat(contract.violations(exchange("GET", "/v1/me", bearer, me, noEmail.toString())))
                .anySatisfy(v -> assertThat(v).contains("validation.response.body.schema.required").contains("email"));
        // a field of the wrong type, and a value outside its enum
        ObjectNode wrong = (ObjectNode) me.json().deepCopy();
        wrong.put("name", 42).put("role", "superuser");
        assertThat(contract.violations(exchange("GET", "/v1/me", bearer, me, wrong.toString())))
                .anySatisfy(v -> assertThat(v).contains("validation.response.body.schema.type"))
                .anySatisfy(v -> assertThat(v).contains("validation.response.body.schema.enum").contains("[at /role]"));
        // a field the document does not name, at the top and inside a nested object
        ObjectNode extra = (ObjectNode) me.json().deepCopy();
        extra.put("password_hash", "x");
        ((ObjectNode) extra.get("quota")).put("secret_quota", 1);
        assertThat(contract.violations(exchange("GET", "/v1/me", bearer, me, extra.toString())))
                .anySatisfy(v -> assertThat(v).contains("password_hash"))
                .anySatisfy(v -> assertThat(v).contains("secret_quota"));
        // a status the operation does not document
        assertThat(contract.violations(exchange("GET", "/health", Map.of(), new Reply(418, health.headers(), health.json(), health.raw()), health.raw())))
                .anySatisfy(v -> assertThat(v).contains("validation.response.status.unknown"));
        // a response header the operation does not document
        Map<String, String> debug = new HashMap<>(health.headers());
        debug.put("X-Debug-Backend", "node-7");
        assertThat(contract.violations(exchange("GET", "/health", Map.of(), new Reply(200, debug, health.json(), health.raw()), health.raw())))
                .containsExactly("response header X-Debug-Backend is not documented for 200");
        // an accepted request with a query parameter the operation does not document
        assertThat(contract.violations(exchange("GET", "/v1/me?debug=true", bearer, me, me.raw())))
                .anySatisfy(v -> assertThat(v).contains("validation.request.parameter.query.unexpected").contains("debug"));
        // a documented response header missing (X-Request-Id is required on every answer)
        Map<String, String> noRequestId = new HashMap<>(health.headers());
        noRequestId.remove("x-request-id");
        assertThat(contract.violations(exchange("GET", "/health", Map.of(), new Reply(200, noRequestId, health.json(), health.raw()), health.raw())))
                .anySatisfy(v -> assertThat(v).contains("validation.response.header.missing").contains("X-Request-Id"));
        // an error code the operation does not list for that status
        ObjectNode otherCode = (ObjectNode) missingRepo.json().deepCopy();
        otherCode.put("error", "environment_not_found");
        assertThat(contract.violations(exchange("GET", "/v1/repos/repo_01j9zzzzzzzzzzzzzzzzzzzzzz", bearer, missingRepo, otherCode.toString())))
                .isNotEmpty();
        // an accepted request the document does not allow (an unknown body field)
        assertThat(contract.violations(new OpenApiContract.Exchange("POST", "/v1/auth/signup", json,
                signupBody.replace("}", ",\"admin\":true}"), 201, lists(signup.headers()), signup.raw())))
                .isNotEmpty().allSatisfy(v -> assertThat(v).startsWith("validation.request.body").contains("admin"));
        // a path the document does not list, answered as if it existed
        assertThat(contract.violations(exchange("GET", "/v1/secret-admin", bearer, health, health.raw())))
                .anySatisfy(v -> assertThat(v).contains("not the router's 404 not_found"));
        // and the check LocalGantry runs fails the test with the exchange named
        assertThatThrownBy(() -> contract.check(exchange("GET", "/v1/me", bearer, me, noEmail.toString())))
                .isInstanceOf(AssertionError.class).hasMessageContaining("GET /v1/me -> 200").hasMessageContaining("email");
    }

    /** An exchange as the server answered {@code reply}, with {@code body} in place of its body. */
    private static OpenApiContract.Exchange exchange(String method, String path, Map<String, List<String>> requestHeaders, Reply reply, String body) {
        return new OpenApiContract.Exchange(method, path, requestHeaders, null, reply.status(), lists(reply.headers()), body);
    }

    private static Map<String, List<String>> lists(Map<String, String> headers) {
        Map<String, List<String>> out = new HashMap<>();
        headers.forEach((k, v) -> out.put(k, List.of(v)));
        return out;
    }
}
