package dev.gantry.functions.platform;

import dev.gantry.shared.http.Json;
import dev.gantry.shared.snapstart.OfflineStack;

import java.util.List;
import java.util.Map;

/**
 * The platform function's SnapStart priming ({@link dev.gantry.shared.snapstart.Priming}): a copy
 * of the handler on an offline stack connects a repo (the simulated GitHub; the scan is queued to
 * the offline SQS), reads it back, lists repos, environments, secrets, compute targets, instances,
 * deploys and jobs, adds a compute target (the simulated provider) and an environment, and writes
 * and reads its env vars (the envelope cipher). Nothing leaves the process.
 */
final class PlatformPriming {
    private PlatformPriming() {}

    static void prime(OfflineStack s) {
        PlatformHandler h = new PlatformHandler(s.wiring());
        String token = s.token();
        var repo = s.api(h, "POST", "/v1/repos", token, OfflineStack.json(Map.of("full_name", "gantry-priming/app")));
        String repoId = id(repo, 201, "rep_priming");
        s.api(h, "GET", "/v1/repos", token, null);
        s.api(h, "GET", "/v1/repos/" + repoId, token, null);
        s.api(h, "GET", "/v1/repos/" + repoId + "/environments", token, null);
        s.api(h, "POST", "/v1/secrets", token, OfflineStack.json(Map.of("key", "PRIMING", "value", "priming", "scope", "all")));
        s.api(h, "GET", "/v1/secrets", token, null);
        s.api(h, "GET", "/v1/compute-targets", token, null);
        s.api(h, "GET", "/v1/instances", token, null);
        s.api(h, "GET", "/v1/deploys", token, null);
        s.api(h, "GET", "/v1/jobs", token, null);
        // A compute target on the simulated provider (no network), an environment on it, its env vars (the envelope cipher).
        var target = s.api(h, "POST", "/v1/compute-targets", token,
                OfflineStack.json(Map.of("provider", "hetzner", "name", "priming", "api_token", "priming-token-0123456789abcdef")));
        String targetId = id(target, 201, "ct_priming");
        var env = s.api(h, "POST", "/v1/repos/" + repoId + "/environments", token,
                OfflineStack.json(Map.of("name", "priming", "compute_target_id", targetId)));
        String envId = id(env, 201, "env_priming");
        s.api(h, "GET", "/v1/environments/" + envId, token, null);
        s.api(h, "PATCH", "/v1/environments/" + envId + "/env-vars", token, OfflineStack.json(Map.of(
                "set", List.of(Map.of("key", "PRIMING", "value", "1"), Map.of("key", "PRIMING_SECRET", "value", "1", "secret", true)),
                "unset", List.of())));
        s.api(h, "GET", "/v1/environments/" + envId + "/env-vars", token, null);
        s.api(h, "GET", "/v1/environments/" + envId + "/resolved-env", token, null);
    }

    private static String id(com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse r, int status, String otherwise) {
        return r.getStatusCode() == status ? Json.readTree(r.getBody()).path("id").asText(otherwise) : otherwise;
    }
}
