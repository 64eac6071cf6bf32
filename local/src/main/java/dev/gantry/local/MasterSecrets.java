package dev.gantry.local;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.shared.secrets.SecretSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The master secrets of {@link SecretSpec#ALL}, by secret id: given in the environment, else kept
 * in {@code <data-dir>/secrets.json}, else generated (32 random bytes, base64) and kept there.
 * Without a data directory generated secrets live only as long as the process (and so does the data).
 */
final class MasterSecrets {
    static final int GENERATED_BYTES = 32;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private MasterSecrets() {}

    /** Secret id to value, for every {@link SecretSpec}. Writes the file when it generated one. */
    static Map<String, String> resolve(LocalOptions options, Path secretsFile) {
        Map<String, String> stored = secretsFile == null ? new TreeMap<>() : read(secretsFile);
        Map<String, String> result = new LinkedHashMap<>();
        boolean generated = false;
        for (SecretSpec spec : SecretSpec.ALL) {
            String value = options.masterSecret(spec);
            String source = LocalOptions.secretEnvVar(spec);
            if (value == null) {
                value = stored.get(spec.defaultId());
                source = secretsFile + " (" + spec.defaultId() + ")";
            }
            if (value == null) {
                value = generate();
                stored.put(spec.defaultId(), value);
                generated = true;
            }
            check(spec, value, source);
            result.put(spec.defaultId(), value);
        }
        if (generated && secretsFile != null) write(secretsFile, stored);
        return result;
    }

    static String generate() {
        byte[] bytes = new byte[GENERATED_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** The functions decode a master secret as base64, or take its UTF-8 bytes: either way 32 or more. */
    private static void check(SecretSpec spec, String value, String source) {
        if (value.isBlank()) throw new IllegalStateException(source + " is empty");
        if (LocalOptions.isGithubWebhookSecret(spec) || LocalOptions.isGithubOAuthClientSecret(spec)) return;
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(value.trim());
        } catch (IllegalArgumentException e) {
            bytes = value.getBytes(StandardCharsets.UTF_8);
        }
        if (bytes.length < 32) {
            throw new IllegalStateException(source + " holds " + bytes.length + " bytes; a master secret needs at least 32"
                    + " (e.g. `openssl rand -base64 32`)");
        }
    }

    private static Map<String, String> read(Path file) {
        if (!Files.exists(file)) return new TreeMap<>();
        try {
            if (DataDir.posix() && !Files.getPosixFilePermissions(file).equals(DataDir.OWNER_FILE)) {
                System.err.println("warning: " + file + " was readable by others; made it owner-only (0600)."
                        + " Consider the secrets in it exposed.");
                Files.setPosixFilePermissions(file, DataDir.OWNER_FILE);
            }
            Map<String, String> values = JSON.readValue(file.toFile(), new TypeReference<TreeMap<String, String>>() {});
            return values == null ? new TreeMap<>() : values;
        } catch (IOException e) {
            // Never overwrite it: that would lose the keys every stored token and encrypted value depends on.
            throw new IllegalStateException("could not read the master secrets in " + file + ": " + e.getMessage()
                    + ". Fix or remove the file (removing it invalidates tokens and encrypted data).", e);
        }
    }

    /** Written to a temporary owner-only file in the same directory, then moved over the old one. */
    private static void write(Path file, Map<String, String> values) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            Path tmp = DataDir.posix()
                    ? Files.createTempFile(dir, ".secrets", ".tmp", PosixFilePermissions.asFileAttribute(DataDir.OWNER_FILE))
                    : Files.createTempFile(dir, ".secrets", ".tmp");
            try {
                Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(new TreeMap<>(values)));
                if (DataDir.posix()) Files.setPosixFilePermissions(tmp, DataDir.OWNER_FILE);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the master secrets to " + file + ": " + e.getMessage(), e);
        }
    }
}
