package dev.gantry.shared.scan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Detects how to build a repository from its file list and a few small manifests, the way
 * Heroku/Paketo buildpacks decide: a pure function, so a scan is tested without GitHub.
 * <p>
 * Only the repository root counts: a monorepo whose manifests all sit in subdirectories is
 * {@code "unknown"} (the build would need a base directory Gantry does not ask for yet). When the
 * root has several manifests, the first of Ruby, Python, Java, Go, Node.js wins, because a
 * {@code package.json} beside a Gemfile, requirements file or pom is almost always asset tooling for
 * that app, while the others rarely appear as secondary files. A root {@code index.html} (or
 * {@code public/index.html}), or a Hugo layout, with no language manifest is a static site.
 * <p>
 * At most four files are read, all manifests listed in {@code paths}; {@code readFile} answers
 * empty for a file it cannot read, and any exception it throws (GitHub unavailable) passes through.
 */
public final class RepoDetector {

    /** The scan result as {@code GET /v1/repos/{id}} shows it; {@code language} is "unknown" when nothing matched. */
    public record Detection(String language, String framework, String buildpack,
                            boolean procfileDetected, boolean dockerfileDetected) {}

    public static final String UNKNOWN = "unknown";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PYTHON_MANIFESTS = List.of("requirements.txt", "pyproject.toml", "Pipfile", "setup.py");
    private static final List<String> GRADLE_BUILDS = List.of("build.gradle", "build.gradle.kts");

    private RepoDetector() {}

    public static Detection detect(List<String> paths, Function<String, Optional<String>> readFile) {
        Set<String> root = new HashSet<>();
        boolean contentDir = false;
        for (String path : paths) {
            if (!path.contains("/")) root.add(path);
            else if (path.startsWith("content/")) contentDir = true;
        }
        boolean procfile = root.contains("Procfile");
        boolean dockerfile = root.contains("Dockerfile");

        if (root.contains("Gemfile")) {
            String gemfile = read(readFile, "Gemfile");
            String framework = gem(gemfile, "rails") ? "rails" : gem(gemfile, "sinatra") ? "sinatra" : null;
            return new Detection("ruby", framework, "heroku/ruby", procfile, dockerfile);
        }
        if (PYTHON_MANIFESTS.stream().anyMatch(root::contains)) {
            StringBuilder manifests = new StringBuilder();
            for (String name : List.of("requirements.txt", "pyproject.toml", "Pipfile")) {
                if (root.contains(name)) manifests.append(read(readFile, name)).append('\n');
            }
            String text = manifests.toString();
            String framework = root.contains("manage.py") || pythonPackage(text, "django") ? "django"
                    : pythonPackage(text, "fastapi") ? "fastapi"
                    : pythonPackage(text, "flask") ? "flask" : null;
            return new Detection("python", framework, "heroku/python", procfile, dockerfile);
        }
        if (root.contains("pom.xml") || GRADLE_BUILDS.stream().anyMatch(root::contains)) {
            String build = root.contains("pom.xml") ? read(readFile, "pom.xml")
                    : read(readFile, root.contains("build.gradle") ? "build.gradle" : "build.gradle.kts");
            String framework = build.contains("org.springframework.boot") ? "spring-boot"
                    : build.contains("io.quarkus") ? "quarkus" : null;
            return new Detection("java", framework, "heroku/java", procfile, dockerfile);
        }
        if (root.contains("go.mod")) {
            String gomod = read(readFile, "go.mod");
            String framework = gomod.contains("github.com/gin-gonic/gin") ? "gin"
                    : gomod.contains("github.com/labstack/echo") ? "echo"
                    : gomod.contains("github.com/gofiber/fiber") ? "fiber" : null;
            return new Detection("go", framework, "heroku/go", procfile, dockerfile);
        }
        if (root.contains("package.json")) {
            Set<String> deps = nodeDependencies(read(readFile, "package.json"));
            String framework = deps.contains("next") ? "next"
                    : deps.contains("@nestjs/core") ? "nestjs"
                    : deps.contains("express") ? "express" : null;
            return new Detection("nodejs", framework, "heroku/nodejs", procfile, dockerfile);
        }
        boolean hugo = (root.contains("hugo.toml") || root.contains("config.toml")) && contentDir;
        if (hugo || root.contains("index.html") || paths.contains("public/index.html")) {
            return new Detection("static", hugo ? "hugo" : null, "heroku/static", procfile, dockerfile);
        }
        return new Detection(UNKNOWN, null, null, procfile, dockerfile);
    }

    private static String read(Function<String, Optional<String>> readFile, String path) {
        return readFile.apply(path).orElse("");
    }

    /** {@code gem "rails"} / {@code gem 'rails', '~> 7.1'} on its own line. */
    private static boolean gem(String gemfile, String name) {
        return Pattern.compile("(?m)^\\s*gem\\s+[\"']" + Pattern.quote(name) + "[\"']").matcher(gemfile).find();
    }

    /**
     * A dependency named {@code name} in requirements.txt ({@code flask==3.0}), Pipfile
     * ({@code flask = "*"}) or pyproject.toml ({@code "flask>=3"}, {@code flask = "^3"}): the name
     * at a line start or after a quote, comma or bracket, followed by a version operator, a quote,
     * an extra, a marker or the line end; "a flask app" in a description does not count.
     */
    private static boolean pythonPackage(String manifests, String name) {
        return Pattern.compile("(?im)(^|[\"'\\[,])\\s*" + Pattern.quote(name) + "\\s*([=<>!~\\[;\"',]|$)")
                .matcher(manifests).find();
    }

    private static Set<String> nodeDependencies(String packageJson) {
        Set<String> out = new HashSet<>();
        try {
            JsonNode json = JSON.readTree(packageJson);
            if (json == null) return out;
            for (String field : List.of("dependencies", "devDependencies")) {
                json.path(field).fieldNames().forEachRemaining(out::add);
            }
        } catch (IOException e) {
            // A package.json that is not JSON still says "Node.js"; it just names no framework.
        }
        return out;
    }
}
