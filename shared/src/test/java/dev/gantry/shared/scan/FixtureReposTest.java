package dev.gantry.shared.scan;

import dev.gantry.shared.github.GitHubApiException;
import dev.gantry.shared.github.GitHubApp;
import dev.gantry.shared.github.InMemoryGitHubApp;
import dev.gantry.shared.scan.RepoDetector.Detection;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The local server's simulated GitHub serves fixtures that scan to what their names promise. */
class FixtureReposTest {
    private final GitHubApp github = new InMemoryGitHubApp();

    @Test
    void everyFixtureIsDetectedThroughTheSimulatedGitHub() {
        Map<String, Detection> expected = new LinkedHashMap<>();
        expected.put(FixtureRepos.FLASK_APP, new Detection("python", "flask", "heroku/python", true, false));
        expected.put(FixtureRepos.EXPRESS_API, new Detection("nodejs", "express", "heroku/nodejs", false, true));
        expected.put(FixtureRepos.GO_SERVICE, new Detection("go", "gin", "heroku/go", false, false));
        expected.put(FixtureRepos.RAILS_SHOP, new Detection("ruby", "rails", "heroku/ruby", true, false));
        expected.put(FixtureRepos.SPRING_PETCLINIC, new Detection("java", "spring-boot", "heroku/java", false, false));
        expected.put(FixtureRepos.STATIC_SITE, new Detection("static", null, "heroku/static", false, false));
        assertThat(FixtureRepos.all().keySet()).containsExactlyElementsOf(expected.keySet());

        long installation = github.userInstallations("any-user-token").getFirst().id();
        assertThat(github.installationRepositories(installation)).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((fullName, detection) -> {
            GitHubApp.RepoTree tree = github.tree(installation, fullName, null);
            assertThat(tree.ref()).isEqualTo("main");
            Detection detected = RepoDetector.detect(tree.paths(), p -> github.fileContent(installation, fullName, p, tree.ref()));
            assertThat(detected).as(fullName).isEqualTo(detection);
        });
    }

    @Test
    void simulatedGitHubAnswersLikeGitHubForWhatIsNotThere() {
        assertThat(github.userInstallations("t")).containsExactly(
                new GitHubApp.Installation(1, "gantry-demo", 1, "Organization"));
        assertThat(github.fileContent(1, FixtureRepos.FLASK_APP, "nope.txt", null)).isEmpty();
        assertThatThrownBy(() -> github.tree(1, "someone/else", null))
                .isInstanceOfSatisfying(GitHubApiException.class, e -> assertThat(e.kind()).isEqualTo(GitHubApiException.Kind.NOT_FOUND));
        assertThatThrownBy(() -> github.installationRepositories(2))
                .isInstanceOfSatisfying(GitHubApiException.class, e -> assertThat(e.kind()).isEqualTo(GitHubApiException.Kind.NOT_FOUND));
        assertThatThrownBy(() -> github.userInstallations(" "))
                .isInstanceOfSatisfying(GitHubApiException.class, e -> assertThat(e.kind()).isEqualTo(GitHubApiException.Kind.UNAUTHORIZED));
    }

    @Test
    void delayMakesEachAnswerTakeTime() {
        GitHubApp slow = new InMemoryGitHubApp(Duration.ofMillis(50));
        long start = System.nanoTime();
        slow.tree(1, FixtureRepos.GO_SERVICE, null);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
    }
}
