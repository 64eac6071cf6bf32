package dev.gantry.tests.fuzz;

import dev.gantry.tests.fuzz.Case.HeaderValue;
import dev.gantry.tests.fuzz.Case.Mutation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the fuzz suite found, pinned: each request it reported, with the answer it must now get,
 * which must also keep the {@link Contract} (the status is one openapi.yaml documents for the
 * operation, the body the envelope). And the contract's own edges: the answers the document's
 * conventions allow everywhere, and the requests the HTTP server refuses before the API.
 */
class FuzzFindingsIT {
    private static final OpenApi API = OpenApi.load();
    private static Fixture fixture;
    private static Runner runner;

    @BeforeAll
    static void workspace() {
        fixture = Fixture.create(23);
        runner = new Runner(fixture, new Contract(API));
    }

    private static Runner.Outcome expect(String method, String template, int status, String code, Mutation... mutations) {
        Runner.Outcome outcome = runner.run(new Case(API.operation(method, template), List.of(mutations)));
        assertThat(outcome.problems()).as(outcome.report()).isEmpty();
        assertThat(outcome.response().status()).as(outcome.report()).isEqualTo(status);
        if (code != null) assertThat(outcome.response().text()).as(outcome.report()).contains("\"error\":\"" + code + "\"");
        return outcome;
    }

    private static Mutation jwt() {
        return new Case.SetHeader("Authorization", new HeaderValue.Credential("Bearer ", "owner-jwt", ""));
    }

    private static Mutation text(String name, String value) {
        return new Case.SetHeader(name, new HeaderValue.Text(Case.bytes(value)));
    }

    @Test
    void logOutAnswersItsBadRequestsAsDocumented() {
        // an API key is not a login (was an undocumented 400)
        expect("POST", "/v1/auth/logout", 400, "validation_error");
        // a body with fields, a body that is not JSON, a body of another media type
        expect("POST", "/v1/auth/logout", 400, "validation_error", jwt(), new Case.Body(Case.bytes("{\"unexpected\":true}")));
        expect("POST", "/v1/auth/logout", 400, "malformed_json", jwt(), new Case.Body(Case.bytes("{")));
        expect("POST", "/v1/auth/logout", 415, "unsupported_media_type", jwt(), new Case.Body(Case.bytes("{}")), text("Content-Type", "text/plain"));
    }

    @Test
    void cancellingTheSubscriptionAnswersItsBadRequestsAsDocumented() {
        expect("POST", "/v1/subscription/cancel", 400, "validation_error", new Case.Body(Case.bytes("{\"unexpected\":true}")));
        expect("POST", "/v1/subscription/cancel", 400, "malformed_json", new Case.Body(Case.bytes("nul")));
        expect("POST", "/v1/subscription/cancel", 415, "unsupported_media_type", new Case.Body(Case.bytes("{}")), text("Content-Type", "text/plain"));
    }

    @Test
    void apiKeysHonourIfMatchAsDocumented() {
        expect("PATCH", "/v1/api-keys/{id}", 412, "precondition_failed", text("If-Match", "\"nope\""));
        expect("DELETE", "/v1/api-keys/{id}", 412, "precondition_failed", text("If-Match", "\"nope\""));
        expect("PATCH", "/v1/api-keys/{id}", 200, null, new Case.SetHeader("If-Match", new HeaderValue.CurrentEtag("")));
    }

    @Test
    void rotatingAWebhookSecretIsAPostThatTakesNoIfMatch() {
        // the document promised 412 here; If-Match is read on PATCH, PUT and DELETE only (API.md §1)
        expect("POST", "/v1/webhook-endpoints/{id}/rotate-secret", 200, null, text("If-Match", "\"nope\""));
    }

    @Test
    void concurrentChangesOfOneWebhookEndpointAnswerDocumentedConflicts() throws Exception {
        // several rotations and edits of one endpoint at once: each is applied or answered 409 conflict
        OpenApi.Operation rotate = API.operation("POST", "/v1/webhook-endpoints/{id}/rotate-secret");
        OpenApi.Operation patch = API.operation("PATCH", "/v1/webhook-endpoints/{id}");
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Runner.Outcome>> futures = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                Case c = i % 2 == 0 ? new Case(rotate, List.of()) : new Case(patch, List.of(new Case.Field("/description", "\"edit " + i + "\"")));
                futures.add(pool.submit(() -> runner.run(c)));
            }
            for (Future<Runner.Outcome> f : futures) {
                Runner.Outcome o = f.get();
                assertThat(o.problems()).as(o.report()).isEmpty();
                assertThat(o.response().status()).as(o.report()).isIn(200, 409);
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void theConventionsAnswersApplyToEveryOperation() {
        // 304 to any GET whose ETag still matches, lists included
        expect("GET", "/v1/repos", 304, null, new Case.SetHeader("If-None-Match", new HeaderValue.CurrentEtag("")));
        expect("GET", "/health", 304, null, new Case.SetHeader("If-None-Match", new HeaderValue.CurrentEtag("")));
        // 413 to any body over 256 KiB, on routes that take none as well
        expect("GET", "/v1/me", 413, "payload_too_large", new Case.PadBody(Values.BODY_LIMIT + 1));
        expect("DELETE", "/v1/repos/{id}", 413, "payload_too_large", new Case.PadBody(Values.BODY_LIMIT + 1));
        // the 256 KiB themselves are fine
        expect("PATCH", "/v1/workspace", 200, null, new Case.PadBody(Values.BODY_LIMIT));
    }

    @Test
    void requestTargetsThatAreNotURIsAreRefusedBeforeTheApi() {
        // a malformed escape in the query or the path; "//health", whose "health" is a host and whose path is empty
        for (Case c : List.of(new Case(API.operation("GET", "/v1/repos/{id}"), List.of(new Case.RawQuery(Case.bytes("%zz")))),
                new Case(API.operation("GET", "/v1/repos/{id}"), List.of(new Case.PathParam("id", new Case.Segment.Raw(Case.bytes("%"))))),
                new Case(API.operation("GET", "/health"), List.of(new Case.PathShape("double-slash"))))) {
            Runner.Outcome o = runner.run(c);
            assertThat(Contract.reachesTheApi(o.request())).as(o.report()).isFalse();
            assertThat(o.problems()).as(o.report()).isEmpty();
            assertThat(o.response().status()).as(o.report()).isIn(400, 404, Wire.NO_ANSWER);
        }
    }

    @Test
    void theContractRefusesWhatTheDocumentDoesNotSay() {
        // the checker itself: an answer the document does not list for the operation is a violation
        Contract contract = new Contract(API);
        Wire.Request request = new Wire.Request("GET", Case.bytes("/v1/me"), List.of(), null, "made up");
        Wire.Response teapot = new Wire.Response(418, java.util.Map.of("x-request-id", "req_01j9zzzzzzzzzzzzzzzzzzzzzz",
                "content-type", "application/json"), Case.bytes("{\"error\":\"teapot\",\"message\":\"m\",\"request_id\":\"req_01j9zzzzzzzzzzzzzzzzzzzzzz\"}"));
        assertThat(contract.violations(request, teapot)).anyMatch(p -> p.startsWith("418 is not among"));
        Wire.Response crash = new Wire.Response(500, java.util.Map.of("x-request-id", "req_01j9zzzzzzzzzzzzzzzzzzzzzz",
                "content-type", "application/json"), Case.bytes("{\"error\":\"internal_error\",\"message\":\"m\",\"request_id\":\"req_01j9zzzzzzzzzzzzzzzzzzzzzz\"}"));
        assertThat(contract.violations(request, crash)).anyMatch(p -> p.contains("5xx"));
        Wire.Response foreignCode = new Wire.Response(401, java.util.Map.of("x-request-id", "req_01j9zzzzzzzzzzzzzzzzzzzzzz",
                "content-type", "application/json"), Case.bytes("{\"error\":\"nope\",\"message\":\"m\",\"request_id\":\"req_01j9zzzzzzzzzzzzzzzzzzzzzz\"}"));
        assertThat(contract.violations(request, foreignCode)).anyMatch(p -> p.contains("not a code the document names"));
        Wire.Response noId = new Wire.Response(200, java.util.Map.of("content-type", "application/json"), Case.bytes("{}"));
        assertThat(contract.violations(request, noId)).contains("no X-Request-Id");
    }
}
