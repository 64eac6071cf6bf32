package dev.gantry.infra;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CDK app: one {@link GantryStack}, checked by cdk-nag's AwsSolutions pack. {@code cdk synth}
 * (see cdk.json) runs this; running {@link #main} directly writes {@code infra-cdk/cdk.out} too.
 */
public final class GantryApp {
    public static final String STACK_NAME = "Gantry";

    private GantryApp() {}

    public static void main(String[] args) {
        Path repoRoot = repoRoot(System.getProperty(GantryStack.REPO_ROOT_KEY), Path.of("").toAbsolutePath());
        // Under the CDK CLI, CDK_OUTDIR says where to write; run directly, write infra-cdk/cdk.out.
        Path outdir = System.getenv("CDK_OUTDIR") == null ? repoRoot.resolve("infra-cdk").resolve("cdk.out") : null;
        App app = newApp(outdir, repoRoot);
        addStack(app);
        app.synth();
    }

    /**
     * An app with infra-cdk/cdk.json's context (the feature flags), recording construct paths and
     * asset paths in the template's metadata (what {@code sam local invoke} needs to find a
     * function's code; the CDK CLI sets the same by default). Under the CLI the same context
     * arrives again from the CLI, so {@code cdk synth}, a direct run and the tests agree.
     */
    public static App newApp(Path outdir, Path repoRoot) {
        Map<String, Object> context = new LinkedHashMap<>(cdkJsonContext(repoRoot.resolve("infra-cdk").resolve("cdk.json")));
        context.put("aws:cdk:enable-path-metadata", true);
        context.put("aws:cdk:enable-asset-metadata", true);
        App.Builder builder = App.Builder.create().context(context);
        if (outdir != null) builder.outdir(outdir.toString());
        return builder.build();
    }

    static Map<String, Object> cdkJsonContext(Path cdkJson) {
        if (!Files.isRegularFile(cdkJson)) throw new IllegalStateException(cdkJson + " is missing");
        try {
            JsonNode context = new ObjectMapper().readTree(cdkJson.toFile()).path("context");
            return context.isObject() ? new ObjectMapper().convertValue(context, new TypeReference<Map<String, Object>>() {}) : Map.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + cdkJson, e);
        }
    }

    /** The stack, with cdk-nag's AwsSolutions checks applied to the whole app: the same in {@link #main} and in the tests. */
    public static GantryStack addStack(App app) {
        Object fromContext = app.getNode().tryGetContext(GantryStack.REPO_ROOT_KEY);
        String configured = fromContext != null ? fromContext.toString() : System.getProperty(GantryStack.REPO_ROOT_KEY);
        Path repoRoot = repoRoot(configured, Path.of("").toAbsolutePath());

        GantryStack stack = new GantryStack(app, STACK_NAME, StackProps.builder()
                .description("Gantry: HTTP API, one Lambda per API function, DynamoDB table, SQS queues with DLQs, master secrets")
                .build(), repoRoot);
        Tags.of(stack).add("project", "gantry");
        Aspects.of(app).add(AwsSolutionsChecks.Builder.create().verbose(true).build());
        return stack;
    }

    /**
     * The repository root: the configured path (context value or system property
     * {@value GantryStack#REPO_ROOT_KEY}) if given, else the nearest directory at or above
     * {@code start} that holds {@code infra-cdk/} and a {@code pom.xml} (from infra-cdk/ that is its parent).
     */
    static Path repoRoot(String configured, Path start) {
        if (configured != null && !configured.isBlank()) {
            Path root = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isDirectory(root)) throw new IllegalArgumentException(GantryStack.REPO_ROOT_KEY + "=" + configured + " is not a directory");
            return root;
        }
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("infra-cdk")) && Files.isRegularFile(dir.resolve("pom.xml"))) return dir;
        }
        throw new IllegalStateException("Cannot find the Gantry repository root at or above " + start
                + "; set -D" + GantryStack.REPO_ROOT_KEY + "=<path> or the CDK context value " + GantryStack.REPO_ROOT_KEY);
    }
}
