package dev.gantry.shared.envvars;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules API.md §7 sets for variable names and values, shared by env vars, shared secrets and
 * binding aliases: one definition, so a secret key is always a valid variable name once bound.
 */
public final class EnvVarRules {
    /** A POSIX-style environment variable name. */
    public static final Pattern KEY = Pattern.compile("^[A-Z_][A-Z0-9_]*$");
    public static final int MAX_KEY_LENGTH = 256;
    /** 32 KiB of UTF-8: what a process environment can reasonably carry per variable. */
    public static final int MAX_VALUE_BYTES = 32 * 1024;
    /** Per environment, after a PUT or a PATCH. */
    public static final int MAX_VARS = 500;
    /** What a listing shows instead of a secret value. */
    public static final String REDACTED = "***";

    public static final Set<String> ENVIRONMENT_SCOPES = Set.of("production", "staging", "development");
    /** A shared secret's scope: an environment scope, or {@code all} (the fallback of every environment). */
    public static final String SCOPE_ALL = "all";
    public static final List<String> SECRET_SCOPES = List.of("production", "staging", "development", SCOPE_ALL);

    private EnvVarRules() {}

    /** Null when {@code key} is a valid name, else the problem (never echoes the input). */
    public static String keyProblem(String key) {
        if (key == null) return "is required";
        if (key.isEmpty()) return "must not be empty";
        if (key.length() > MAX_KEY_LENGTH) return "must be at most " + MAX_KEY_LENGTH + " characters";
        if (!KEY.matcher(key).matches()) return "must match ^[A-Z_][A-Z0-9_]*$ (upper-case letters, digits, underscore; not starting with a digit)";
        return null;
    }

    /** Null when {@code value} is acceptable, else the problem. The value itself never appears in it. */
    public static String valueProblem(String value) {
        if (value == null) return "is required";
        // a UTF-16 char is at most 3 UTF-8 bytes: skip the encoding for obviously small values
        if (value.length() * 3L > MAX_VALUE_BYTES && value.getBytes(StandardCharsets.UTF_8).length > MAX_VALUE_BYTES) {
            return "must be at most " + MAX_VALUE_BYTES + " bytes of UTF-8 (32 KiB)";
        }
        return null;
    }
}
