package dev.gantry.functions.githubingest;

import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.github.GitHubIngestService;
import dev.gantry.shared.github.GitHubWebhookVerifier;
import dev.gantry.shared.http.Request;
import dev.gantry.shared.http.Response;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code POST /webhooks/github}: signature first (over the raw bytes, before any parsing, so an
 * unsigned body costs one HMAC and nothing else), then the headers, then record and enqueue.
 */
public final class GitHubIngestApi {
    /** GitHub sends a GUID; anything of this shape is accepted, and it becomes part of a table key. */
    static final Pattern DELIVERY_ID = Pattern.compile("^[A-Za-z0-9-]{1,100}$");
    /** Event names are snake_case words. */
    static final Pattern EVENT = Pattern.compile("^[a-z_]{1,64}$");

    private final GitHubWebhookVerifier verifier;
    private final GitHubIngestService ingest;

    public GitHubIngestApi(Wiring wiring) {
        this.verifier = wiring.gitHubWebhookVerifier();
        this.ingest = wiring.gitHubIngestService();
    }

    Response receive(Request request) {
        if (!verifier.verify(request.rawBody(), request.header("X-Hub-Signature-256"))) {
            throw new ApiException(401, "invalid_signature",
                    "X-Hub-Signature-256 is missing or is not the HMAC-SHA256 of this body under the webhook secret.");
        }
        String event = request.header("X-GitHub-Event");
        String deliveryId = request.header("X-GitHub-Delivery");
        var problems = new ArrayList<ApiException.FieldProblem>();
        if (event == null || !EVENT.matcher(event).matches()) problems.add(new ApiException.FieldProblem("X-GitHub-Event",
                event == null ? "is required" : "must be a GitHub event name"));
        if (deliveryId == null || !DELIVERY_ID.matcher(deliveryId).matches()) problems.add(new ApiException.FieldProblem("X-GitHub-Delivery",
                deliveryId == null ? "is required" : "must be a GitHub delivery id (letters, digits and hyphens, at most 100)"));
        if (!problems.isEmpty()) throw ApiException.validation(problems);
        GitHubIngestService.Received r = ingest.receive(deliveryId, event, request.rawBody());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("ok", true);
        if (r.duplicate()) answer.put("duplicate", true);
        return Response.ok(answer);
    }
}
