package dev.gantry.shared.github;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The GitHub webhook events Gantry acts on, each reduced to the few fields its processing needs.
 * The receiver puts these extracts on the {@code github-events} queue instead of the delivery:
 * deliveries can be 25 MB and an SQS message at most 256 KB. Parsing is lenient, as GitHub adds
 * fields over time: unknown fields are ignored, and only a field the processing cannot do without
 * is required (its absence is a 400 {@code validation_error}, so GitHub shows the delivery failed).
 */
public final class GitHubEvents {
    /** The events with an extract; every other event is recorded and answered 200, nothing more. */
    public static final Set<String> HANDLED = Set.of("ping", "installation", "installation_repositories", "push", "workflow_run", "repository");

    /** Head commit messages are cut here: a deploy shows a summary, and the message stays far below SQS's limit. */
    public static final int MAX_COMMIT_MESSAGE = 1000;

    /** Repository lists in one installation event are cut here (GitHub sends at most a few hundred per event; the 256 KB SQS limit). */
    public static final int MAX_REPOSITORIES = 2000;

    private GitHubEvents() {}

    /** One extract; {@link #deliveryId()} is GitHub's {@code X-GitHub-Delivery}. */
    public sealed interface Event permits Push, WorkflowRun, Installation, InstallationRepositories, Repository, Ping {
        String deliveryId();
    }

    /** A push: {@code branch} is null for tags; {@code deleted} is true when the ref was deleted ({@code afterSha} is then all zeros). */
    public record Push(String deliveryId, Long installationId, String repoFullName, String ref, String branch, String afterSha,
                       boolean deleted, String headCommitMessage, String pusherLogin) implements Event {}

    /** A workflow run requested, in progress or completed: the build status of a commit. */
    public record WorkflowRun(String deliveryId, Long installationId, String repoFullName, String action, long runId, String headSha,
                              String headBranch, String status, String conclusion, String htmlUrl, String event) implements Event {}

    /** The App was installed, uninstalled, suspended, unsuspended or given new permissions; {@code repositories} are full names. */
    public record Installation(String deliveryId, String action, long installationId, String accountLogin, String accountType,
                               List<String> repositories) implements Event {}

    /** Repositories added to or removed from an installation (full names). */
    public record InstallationRepositories(String deliveryId, long installationId, List<String> added, List<String> removed) implements Event {}

    /** A repository event; {@code previousFullName} is set for {@code renamed} (owner + {@code changes.repository.name.from}). */
    public record Repository(String deliveryId, String action, Long installationId, String repoFullName, String previousFullName)
            implements Event {}

    /** GitHub's hello when a webhook is created. */
    public record Ping(String deliveryId, String zen, Long hookId) implements Event {}

    /** The extract of a handled event from its parsed payload; null when {@code event} is not handled. */
    public static Event parse(String event, String deliveryId, JsonNode payload) {
        if (!HANDLED.contains(event)) return null;
        if (payload == null || !payload.isObject()) throw ApiException.validation("body", "must be a JSON object");
        Fields f = new Fields(payload);
        Event e = switch (event) {
            case "ping" -> new Ping(deliveryId, f.text("zen", false), f.number("hook_id", false));
            case "push" -> {
                String ref = f.text("ref", true);
                JsonNode head = payload.path("head_commit");
                String message = head.isObject() && head.path("message").isTextual() ? truncate(head.path("message").asText()) : null;
                String pusher = payload.path("sender").path("login").isTextual() ? payload.path("sender").path("login").asText()
                        : payload.path("pusher").path("name").isTextual() ? payload.path("pusher").path("name").asText() : null;
                yield new Push(deliveryId, f.number("installation.id", false), f.text("repository.full_name", true), ref,
                        ref != null && ref.startsWith("refs/heads/") ? ref.substring("refs/heads/".length()) : null,
                        f.text("after", true), payload.path("deleted").asBoolean(false), message, pusher);
            }
            case "workflow_run" -> new WorkflowRun(deliveryId, f.number("installation.id", false), f.text("repository.full_name", true),
                    f.text("action", true), nonNull(f.number("workflow_run.id", true)), f.text("workflow_run.head_sha", true),
                    f.text("workflow_run.head_branch", false), f.text("workflow_run.status", false),
                    f.text("workflow_run.conclusion", false), f.text("workflow_run.html_url", false), f.text("workflow_run.event", false));
            case "installation" -> new Installation(deliveryId, f.text("action", true), nonNull(f.number("installation.id", true)),
                    f.text("installation.account.login", false), f.text("installation.account.type", false),
                    f.fullNames("repositories"));
            case "installation_repositories" -> new InstallationRepositories(deliveryId, nonNull(f.number("installation.id", true)),
                    f.fullNames("repositories_added"), f.fullNames("repositories_removed"));
            case "repository" -> {
                String action = f.text("action", true);
                String fullName = f.text("repository.full_name", true);
                String previous = null;
                if ("renamed".equals(action)) {
                    String from = f.text("changes.repository.name.from", true);
                    String owner = f.text("repository.owner.login", false);
                    if (owner == null && fullName != null && fullName.contains("/")) owner = fullName.substring(0, fullName.indexOf('/'));
                    previous = owner == null ? from : owner + "/" + from;
                }
                yield new Repository(deliveryId, action, f.number("installation.id", false), fullName, previous);
            }
            default -> throw new IllegalStateException("unreachable: " + event);
        };
        f.done();
        return e;
    }

    // --- the queue message -----------------------------------------------------------------------

    /** The queue message of an extract: {@code {"kind": "github_event", "event": "...", "delivery_id": "...", "data": {...}}}. */
    public static String message(Event e) {
        return Json.writeString(Map.of("kind", "github_event", "event", eventName(e), "delivery_id", e.deliveryId(), "data", e));
    }

    /** A queue message read back: its event name, delivery id and extract. */
    public record Message(String event, String deliveryId, Event extract) {}

    /** Reads a message written by {@link #message}; fields added later are ignored, so old workers read new messages. */
    public static Message readMessage(String body) {
        JsonNode node = Json.readTree(body);
        String event = node.path("event").asText(null);
        String deliveryId = node.path("delivery_id").asText(null);
        if (!"github_event".equals(node.path("kind").asText(null)) || event == null || deliveryId == null || !node.path("data").isObject()) {
            throw new IllegalArgumentException("not a github_event message");
        }
        Class<? extends Event> type = switch (event) {
            case "ping" -> Ping.class;
            case "push" -> Push.class;
            case "workflow_run" -> WorkflowRun.class;
            case "installation" -> Installation.class;
            case "installation_repositories" -> InstallationRepositories.class;
            case "repository" -> Repository.class;
            default -> throw new IllegalArgumentException("unknown github event " + event);
        };
        try {
            Event extract = Json.mapper().readerFor(type).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(node.get("data"));
            return new Message(event, deliveryId, extract);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String eventName(Event e) {
        return switch (e) {
            case Ping p -> "ping";
            case Push p -> "push";
            case WorkflowRun w -> "workflow_run";
            case Installation i -> "installation";
            case InstallationRepositories i -> "installation_repositories";
            case Repository r -> "repository";
        };
    }

    // --- lenient reading -----------------------------------------------------------------------------

    private static String truncate(String s) {
        if (s.length() <= MAX_COMMIT_MESSAGE) return s;
        int end = MAX_COMMIT_MESSAGE;
        if (Character.isHighSurrogate(s.charAt(end - 1))) end--;
        return s.substring(0, end) + "…";
    }

    private static long nonNull(Long v) {
        return v == null ? 0 : v; // only reached when the field was required and the problem recorded
    }

    /** Reads dotted paths; collects the problems of required fields so one 400 names them all. */
    private static final class Fields {
        private final JsonNode root;
        private final List<ApiException.FieldProblem> problems = new ArrayList<>();

        Fields(JsonNode root) { this.root = root; }

        private JsonNode at(String path) {
            JsonNode n = root;
            for (String part : path.split("\\.")) n = n.path(part);
            return n;
        }

        String text(String path, boolean required) {
            JsonNode n = at(path);
            if (n.isTextual() && !(required && n.asText().isEmpty())) return n.asText();
            if (required) problems.add(new ApiException.FieldProblem(path, n.isMissingNode() || n.isNull() ? "is required" : "must be a non-empty string"));
            return null;
        }

        Long number(String path, boolean required) {
            JsonNode n = at(path);
            if (n.isIntegralNumber() && n.canConvertToLong()) return n.asLong();
            if (required) problems.add(new ApiException.FieldProblem(path, n.isMissingNode() || n.isNull() ? "is required" : "must be an integer"));
            return null;
        }

        /** An array of repository objects to their {@code full_name}s; absent or null is empty. */
        List<String> fullNames(String path) {
            JsonNode n = at(path);
            List<String> out = new ArrayList<>();
            if (n.isMissingNode() || n.isNull()) return out;
            if (!n.isArray()) {
                problems.add(new ApiException.FieldProblem(path, "must be an array"));
                return out;
            }
            for (JsonNode r : n) {
                if (out.size() == MAX_REPOSITORIES) break;
                JsonNode name = r.path("full_name");
                if (name.isTextual() && !name.asText().isEmpty()) out.add(name.asText());
                else {
                    problems.add(new ApiException.FieldProblem(path + "[].full_name", "is required"));
                    break;
                }
            }
            return out;
        }

        void done() {
            if (!problems.isEmpty()) throw ApiException.validation(problems);
        }
    }
}
