package dev.gantry.shared.scan;

import dev.gantry.shared.scan.RepoDetector.Detection;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class RepoDetectorTest {

    /** Files of a repository; records which were read. */
    private static final class Repo {
        final Map<String, String> files = new LinkedHashMap<>();
        final List<String> read = new ArrayList<>();

        Repo with(String path, String content) {
            files.put(path, content);
            return this;
        }

        Detection detect() {
            return RepoDetector.detect(List.copyOf(files.keySet()), p -> {
                read.add(p);
                return Optional.ofNullable(files.get(p));
            });
        }
    }

    private static Repo repo() { return new Repo(); }

    // --- Python

    @Test
    void djangoFromRequirements() {
        assertThat(repo().with("requirements.txt", "Django>=4.2,<5\npsycopg[binary]==3.1\n").with("mysite/settings.py", "").detect())
                .isEqualTo(new Detection("python", "django", "heroku/python", false, false));
    }

    @Test
    void djangoFromManagePyEvenWithoutNamingIt() {
        assertThat(repo().with("requirements.txt", "gunicorn\n").with("manage.py", "").detect().framework()).isEqualTo("django");
    }

    @Test
    void flaskFromRequirementsWithProcfile() {
        assertThat(repo().with("requirements.txt", "# web\nflask==3.0.3\nflask-cors\n").with("Procfile", "web: gunicorn app:app").detect())
                .isEqualTo(new Detection("python", "flask", "heroku/python", true, false));
    }

    @Test
    void fastapiFromPyprojectDependencies() {
        String pyproject = """
                [project]
                name = "api"
                description = "not a flask app"
                dependencies = ["fastapi[standard]>=0.110", "uvicorn"]
                """;
        assertThat(repo().with("pyproject.toml", pyproject).detect().framework()).isEqualTo("fastapi");
    }

    @Test
    void flaskFromPipfile() {
        assertThat(repo().with("Pipfile", "[packages]\nflask = \"*\"\n").detect().framework()).isEqualTo("flask");
    }

    @Test
    void pythonWithoutAKnownFramework() {
        assertThat(repo().with("requirements.txt", "requests\nflask-cors\n").detect())
                .isEqualTo(new Detection("python", null, "heroku/python", false, false));
    }

    // --- Node.js

    @Test
    void nextFromPackageJson() {
        assertThat(repo().with("package.json", "{\"dependencies\": {\"next\": \"14.2.0\", \"react\": \"18.3.0\"}}").detect())
                .isEqualTo(new Detection("nodejs", "next", "heroku/nodejs", false, false));
    }

    @Test
    void expressWithDockerfile() {
        assertThat(repo().with("package.json", "{\"dependencies\": {\"express\": \"^4\"}}").with("Dockerfile", "FROM node").detect())
                .isEqualTo(new Detection("nodejs", "express", "heroku/nodejs", false, true));
    }

    @Test
    void nestjsWinsOverTheExpressItRunsOn() {
        assertThat(repo().with("package.json",
                "{\"dependencies\": {\"@nestjs/core\": \"^10\", \"@nestjs/platform-express\": \"^10\", \"express\": \"^4\"}}").detect().framework())
                .isEqualTo("nestjs");
    }

    @Test
    void plainNodeHasNoFramework() {
        assertThat(repo().with("package.json", "{\"name\": \"cli\", \"devDependencies\": {\"jest\": \"^29\"}}").detect())
                .isEqualTo(new Detection("nodejs", null, "heroku/nodejs", false, false));
    }

    @Test
    void packageJsonThatIsNotJsonIsStillNode() {
        assertThat(repo().with("package.json", "{ not json").detect())
                .isEqualTo(new Detection("nodejs", null, "heroku/nodejs", false, false));
    }

    // --- Go

    @Test
    void goFrameworksFromGoMod() {
        assertThat(goMod("require github.com/gin-gonic/gin v1.10.0").framework()).isEqualTo("gin");
        assertThat(goMod("require (\n\tgithub.com/labstack/echo/v4 v4.12.0\n)").framework()).isEqualTo("echo");
        assertThat(goMod("require github.com/gofiber/fiber/v2 v2.52.0").framework()).isEqualTo("fiber");
        assertThat(goMod("")).isEqualTo(new Detection("go", null, "heroku/go", false, false));
    }

    private static Detection goMod(String requires) {
        return repo().with("go.mod", "module example.com/svc\n\ngo 1.22\n\n" + requires + "\n").with("main.go", "").detect();
    }

    // --- Ruby

    @Test
    void railsFromGemfileEvenWithAPackageJsonForAssets() {
        assertThat(repo().with("Gemfile", "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\n")
                .with("package.json", "{\"dependencies\": {\"express\": \"^4\"}}").detect())
                .isEqualTo(new Detection("ruby", "rails", "heroku/ruby", false, false));
    }

    @Test
    void sinatraFromGemfile() {
        assertThat(repo().with("Gemfile", "gem \"sinatra\"\ngem \"puma\"\n").with("config.ru", "").detect().framework())
                .isEqualTo("sinatra");
    }

    // --- Java

    @Test
    void springBootFromPom() {
        assertThat(repo().with("pom.xml", "<project><parent><groupId>org.springframework.boot</groupId></parent></project>").detect())
                .isEqualTo(new Detection("java", "spring-boot", "heroku/java", false, false));
    }

    @Test
    void springBootFromGradleKts() {
        assertThat(repo().with("build.gradle.kts", "plugins { id(\"org.springframework.boot\") version \"3.3.0\" }").detect().framework())
                .isEqualTo("spring-boot");
    }

    @Test
    void quarkusFromPomAndGradle() {
        assertThat(repo().with("pom.xml", "<dependency><groupId>io.quarkus</groupId></dependency>").detect().framework()).isEqualTo("quarkus");
        assertThat(repo().with("build.gradle", "plugins { id 'io.quarkus' }").detect().framework()).isEqualTo("quarkus");
    }

    // --- Static sites

    @Test
    void indexHtmlAtRootIsAStaticSite() {
        assertThat(repo().with("index.html", "<h1>hi</h1>").with("css/a.css", "").detect())
                .isEqualTo(new Detection("static", null, "heroku/static", false, false));
    }

    @Test
    void indexHtmlInPublicIsAStaticSite() {
        assertThat(repo().with("public/index.html", "").with("README.md", "").detect().language()).isEqualTo("static");
    }

    @Test
    void hugoFromConfigAndContent() {
        assertThat(repo().with("config.toml", "baseURL = '/'").with("content/posts/first.md", "").detect())
                .isEqualTo(new Detection("static", "hugo", "heroku/static", false, false));
    }

    @Test
    void indexHtmlBesideALanguageManifestIsThatLanguage() {
        assertThat(repo().with("index.html", "").with("package.json", "{}").detect().language()).isEqualTo("nodejs");
    }

    // --- Unknown

    @Test
    void nothingRecognisableIsUnknownButStillReportsDockerfileAndProcfile() {
        assertThat(repo().with("README.md", "").with("Dockerfile", "FROM scratch").with("Procfile", "web: ./run").detect())
                .isEqualTo(new Detection("unknown", null, null, true, true));
    }

    @Test
    void monorepoWithManifestsOnlyInSubdirectoriesIsUnknown() {
        Repo repo = repo().with("api/requirements.txt", "flask").with("web/package.json", "{}").with("api/Dockerfile", "");
        assertThat(repo.detect()).isEqualTo(new Detection("unknown", null, null, false, false));
        assertThat(repo.read).isEmpty();
    }

    @Test
    void emptyRepositoryIsUnknown() {
        assertThat(repo().detect()).isEqualTo(new Detection("unknown", null, null, false, false));
    }

    @Test
    void readsOnlyListedManifests() {
        Repo repo = repo().with("requirements.txt", "flask").with("app.py", "import flask").with("templates/index.html", "");
        repo.detect();
        assertThat(repo.read).containsExactly("requirements.txt");
    }
}
