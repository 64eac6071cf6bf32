package dev.gantry.functions.githubingest;

import dev.gantry.shared.snapstart.OfflineStack;

import java.util.HashMap;
import java.util.Map;

/**
 * The GitHub receiver's SnapStart priming ({@link dev.gantry.shared.snapstart.Priming}): a copy of
 * the handler on an offline stack receives a ping and a push signed with the offline stack's
 * webhook secret (verification, parsing, the delivery record, the outbox and the queue), then the
 * same push again (the repeat) and a badly signed one. Nothing leaves the process.
 */
final class GitHubIngestPriming {
    private GitHubIngestPriming() {}

    static final String PING = """
            {"zen":"Keep it logically awesome.","hook_id":1,"hook":{"id":1,"type":"App","events":["push"]},"installation":{"id":1}}""";

    static void prime(OfflineStack s) {
        GitHubIngestHandler h = new GitHubIngestHandler(s.wiring());
        deliver(s, h, "ping", "priming-ping", PING, s.gitHubSignature(PING));
        deliver(s, h, "push", "priming-push", OfflineStack.PUSH, s.gitHubSignature(OfflineStack.PUSH));
        deliver(s, h, "push", "priming-push", OfflineStack.PUSH, s.gitHubSignature(OfflineStack.PUSH));
        deliver(s, h, "push", "priming-bad", OfflineStack.PUSH, "sha256=" + "0".repeat(64));
    }

    private static void deliver(OfflineStack s, GitHubIngestHandler h, String event, String deliveryId, String body, String signature) {
        Map<String, String> headers = new HashMap<>();
        headers.put("content-type", "application/json");
        headers.put("user-agent", "GitHub-Hookshot/priming");
        headers.put("x-github-event", event);
        headers.put("x-github-delivery", deliveryId);
        headers.put("x-hub-signature-256", signature);
        s.apiWithHeaders(h, "POST", "/webhooks/github", headers, body);
    }
}
