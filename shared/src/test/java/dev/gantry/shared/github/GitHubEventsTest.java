package dev.gantry.shared.github;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The compact extracts of the handled events, and their queue messages. */
class GitHubEventsTest {
    private static GitHubEvents.Event parse(String event, String json) {
        return GitHubEvents.parse(event, "d-1", Json.readTree(json));
    }

    @Test
    void pushToABranchAndToATag() {
        var p = (GitHubEvents.Push) parse("push", """
                {"ref":"refs/heads/feature/x","after":"abc123","deleted":false,"installation":{"id":42},
                 "repository":{"full_name":"Acme/Api","private":true,"unknown_field":{"deep":[1,2]}},
                 "head_commit":{"id":"abc123","message":"Fix things\\n\\nLonger text"},"pusher":{"name":"ada","email":"a@example.com"},
                 "sender":{"login":"ada-gh"},"commits":[]}""");
        assertThat(p).isEqualTo(new GitHubEvents.Push("d-1", 42L, "Acme/Api", "refs/heads/feature/x", "feature/x", "abc123", false,
                "Fix things\n\nLonger text", "ada-gh"));
        var tag = (GitHubEvents.Push) parse("push", """
                {"ref":"refs/tags/v1","after":"0000000000000000000000000000000000000000","deleted":true,"repository":{"full_name":"a/b"},
                 "head_commit":null,"pusher":{"name":"ada"}}""");
        assertThat(tag.branch()).isNull();
        assertThat(tag.installationId()).isNull();
        assertThat(tag.deleted()).isTrue();
        assertThat(tag.headCommitMessage()).isNull();
        assertThat(tag.pusherLogin()).isEqualTo("ada");
    }

    @Test
    void longCommitMessagesAreTruncated() {
        String msg = "x".repeat(5000);
        var p = (GitHubEvents.Push) parse("push", "{\"ref\":\"refs/heads/main\",\"after\":\"a\",\"repository\":{\"full_name\":\"a/b\"},"
                + "\"head_commit\":{\"message\":\"" + msg + "\"}}");
        assertThat(p.headCommitMessage()).hasSize(GitHubEvents.MAX_COMMIT_MESSAGE + 1).endsWith("…");
    }

    @Test
    void missingRequiredFieldsAreOneValidationError() {
        assertThatThrownBy(() -> parse("push", "{\"repository\":{}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("validation_error");
                    assertThat(Json.writeString(e.details())).contains("ref").contains("repository.full_name").contains("after");
                });
        assertThatThrownBy(() -> parse("installation", "{\"action\":\"created\",\"installation\":{\"id\":\"12\"}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(Json.writeString(e.details())).contains("installation.id")
                        .contains("must be an integer"));
        assertThatThrownBy(() -> parse("repository", "{\"action\":\"renamed\",\"repository\":{\"full_name\":\"o/new\"}}"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(Json.writeString(e.details())).contains("changes.repository.name.from"));
        assertThatThrownBy(() -> parse("ping", "[1,2]")).isInstanceOf(ApiException.class);
    }

    @Test
    void installationRepositoryAndOtherExtracts() {
        var i = (GitHubEvents.Installation) parse("installation", """
                {"action":"created","installation":{"id":7,"account":{"login":"acme","type":"Organization"}},
                 "repositories":[{"id":1,"full_name":"acme/one"},{"id":2,"full_name":"acme/two"}],"sender":{"login":"x"}}""");
        assertThat(i).isEqualTo(new GitHubEvents.Installation("d-1", "created", 7, "acme", "Organization", List.of("acme/one", "acme/two")));
        var ir = (GitHubEvents.InstallationRepositories) parse("installation_repositories", """
                {"action":"removed","installation":{"id":7},"repositories_added":[],"repositories_removed":[{"full_name":"acme/one"}]}""");
        assertThat(ir.added()).isEmpty();
        assertThat(ir.removed()).containsExactly("acme/one");
        var r = (GitHubEvents.Repository) parse("repository", """
                {"action":"renamed","changes":{"repository":{"name":{"from":"old-name"}}},
                 "repository":{"name":"new-name","full_name":"Acme/new-name","owner":{"login":"Acme"}},"installation":{"id":7}}""");
        assertThat(r.previousFullName()).isEqualTo("Acme/old-name");
        assertThat(r.repoFullName()).isEqualTo("Acme/new-name");
        var w = (GitHubEvents.WorkflowRun) parse("workflow_run", """
                {"action":"completed","repository":{"full_name":"a/b"},"workflow_run":{"id":30433642,"head_sha":"acb5","head_branch":"main",
                 "status":"completed","conclusion":"success","html_url":"https://github.com/a/b/actions/runs/30433642","event":"push"}}""");
        assertThat(w.runId()).isEqualTo(30433642L);
        assertThat(w.conclusion()).isEqualTo("success");
        var ping = (GitHubEvents.Ping) parse("ping", "{\"zen\":\"Design for failure.\",\"hook_id\":109948940,\"hook\":{}}");
        assertThat(ping.hookId()).isEqualTo(109948940L);
        assertThat(parse("star", "{}")).isNull();
    }

    @Test
    void messagesRoundTripAndToleratesNewFields() {
        var p = new GitHubEvents.Push("d-9", 1L, "a/b", "refs/heads/main", "main", "abc", false, "msg", "ada");
        String body = GitHubEvents.message(p);
        assertThat(body).contains("\"kind\":\"github_event\"").contains("\"event\":\"push\"").contains("\"repo_full_name\":\"a/b\"");
        var m = GitHubEvents.readMessage(body);
        assertThat(m.extract()).isEqualTo(p);
        assertThat(m.deliveryId()).isEqualTo("d-9");
        var later = GitHubEvents.readMessage(body.replace("\"ref\":", "\"added_later\":1,\"ref\":"));
        assertThat(later.extract()).isEqualTo(p);
        var i = new GitHubEvents.Installation("d-2", "deleted", 5, null, null, List.of());
        assertThat(GitHubEvents.readMessage(GitHubEvents.message(i)).extract()).isEqualTo(i);
    }
}
