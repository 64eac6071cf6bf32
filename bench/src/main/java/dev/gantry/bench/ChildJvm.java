package dev.gantry.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the invoker in a fresh JVM ({@code java} of this JVM's {@code java.home}) whose classpath
 * is the function jar and the invoker jar only, with an environment made of the given variables
 * alone (nothing inherited from this process, so no stray {@code JAVA_TOOL_OPTIONS}).
 */
public final class ChildJvm {
    private final Path java;
    private final String classpath;
    private final Map<String, String> environment;
    private final Path logDir;
    private final Duration timeout;

    /** One child's outcome. {@code wallMillis}: from just before the spawn to its exit, measured here. */
    public record Result(String name, List<String> command, int exitCode, String stdout, String stderr, double wallMillis) {
        public InvokeLine line() {
            if (exitCode != 0) throw new IllegalStateException(describe("exited with " + exitCode));
            return InvokeLine.find(stdout).orElseThrow(() -> new IllegalStateException(describe("printed no result line")));
        }

        public String describe(String what) {
            return "child JVM '" + name + "' " + what + "\n  command: " + String.join(" ", command)
                    + "\n  stderr (last lines):\n" + tail(stderr, 25) + "\n  stdout (last lines):\n" + tail(stdout, 10);
        }

        private static String tail(String text, int lines) {
            String[] all = text.split("\\R");
            StringBuilder b = new StringBuilder();
            for (int i = Math.max(0, all.length - lines); i < all.length; i++) b.append("    ").append(all[i]).append('\n');
            return b.toString();
        }
    }

    public ChildJvm(Path functionJar, Path invokerJar, Map<String, String> environment, Path logDir, Duration timeout) {
        this.java = Path.of(System.getProperty("java.home"), "bin", "java");
        this.classpath = functionJar.toAbsolutePath() + File.pathSeparator + invokerJar.toAbsolutePath();
        this.environment = Map.copyOf(environment);
        this.logDir = logDir;
        this.timeout = timeout;
    }

    public Path java() { return java; }

    /**
     * Runs {@code mainClass} with {@code --spawned-at=<now>} followed by {@code args}.
     * {@code jvmFlags} go on the command line (used for -Xlog only); the variant's flags go in JAVA_TOOL_OPTIONS.
     */
    public Result run(String name, Variant variant, List<String> jvmFlags, String mainClass, List<String> args) {
        return run(name, variant, jvmFlags, mainClass, args, Map.of());
    }

    /** As above, with {@code extraEnvironment} added to this child's environment (what Lambda sets per function). */
    public Result run(String name, Variant variant, List<String> jvmFlags, String mainClass, List<String> args,
                      Map<String, String> extraEnvironment) {
        Path out = logDir.resolve(name + ".out");
        Path err = logDir.resolve(name + ".err");
        long spawnedAt = System.currentTimeMillis();
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.add("--spawned-at=" + spawnedAt);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().clear();
        pb.environment().putAll(environment);
        pb.environment().putAll(extraEnvironment);
        if (variant.javaToolOptions() != null) pb.environment().put("JAVA_TOOL_OPTIONS", variant.javaToolOptions());
        long start = System.nanoTime();
        try {
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new IllegalStateException("child JVM '" + name + "' did not finish within " + timeout.toSeconds() + " s; logs in " + logDir);
            }
            double wall = (System.nanoTime() - start) / 1e6;
            return new Result(name, command, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8), wall);
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + java + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
