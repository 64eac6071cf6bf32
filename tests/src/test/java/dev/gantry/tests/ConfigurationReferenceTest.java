package dev.gantry.tests;

import dev.gantry.local.LocalOptions;
import dev.gantry.shared.config.GantryConfig;
import dev.gantry.shared.queues.QueueSpec;
import dev.gantry.shared.secrets.SecretSpec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/configuration.md is the configuration reference: every {@code GANTRY_*} variable the code
 * reads is on it, and every operator setting the CDK stack passes through is in its operator table.
 */
class ConfigurationReferenceTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Pattern LITERAL = Pattern.compile("\"(GANTRY_[A-Z0-9_]*[A-Z0-9])\"");

    @Test
    void everyVariableTheCodeReadsIsDocumented() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/configuration.md"));
        Set<String> read = new TreeSet<>();
        for (Path dir : sourceDirs()) read.addAll(literalsIn(dir));
        for (SecretSpec s : SecretSpec.ALL) {
            read.add(s.idEnvVar());
            read.add(LocalOptions.secretEnvVar(s));
        }
        for (QueueSpec q : QueueSpec.ALL) read.add(q.urlEnvVar());
        assertThat(read).as("variables found in the code").hasSizeGreaterThan(30).contains("GANTRY_TABLE", "GANTRY_PUBLIC_URL");

        List<String> missing = new ArrayList<>();
        for (String name : read) {
            String queueRow = name.startsWith("GANTRY_QUEUE_") ? name.substring("GANTRY_QUEUE_".length(), name.length() - "_URL".length()) : null;
            boolean documented = doc.contains("`" + name + "`") || (queueRow != null && doc.contains("`GANTRY_QUEUE_<NAME>_URL`") && doc.contains("`" + queueRow + "`"));
            if (!documented) missing.add(name);
        }
        assertThat(missing).as("read by the code but not in docs/configuration.md").isEmpty();
    }

    @Test
    void everyOperatorSettingIsInTheOperatorTable() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/configuration.md"));
        int start = doc.indexOf("## Chosen by the operator");
        int end = doc.indexOf("\n## ", start + 1);
        assertThat(start).as("operator section").isPositive();
        String section = doc.substring(start, end < 0 ? doc.length() : end);
        for (String name : GantryConfig.OPERATOR_SETTINGS) {
            assertThat(section).as(name).contains("| `" + name + "` |");
        }
    }

    private static List<Path> sourceDirs() throws IOException {
        List<Path> dirs = new ArrayList<>(List.of(ROOT.resolve("shared/src/main/java"), ROOT.resolve("local/src/main/java")));
        try (Stream<Path> functions = Files.list(ROOT.resolve("functions"))) {
            functions.map(f -> f.resolve("src/main/java")).filter(Files::isDirectory).forEach(dirs::add);
        }
        return dirs;
    }

    private static Set<String> literalsIn(Path dir) throws IOException {
        Set<String> found = new TreeSet<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = LITERAL.matcher(Files.readString(file));
                while (m.find()) found.add(m.group(1));
            }
        }
        return found;
    }
}
