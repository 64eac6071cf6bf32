package dev.gantry.shared.auth;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** Workspace roles, lowest first: each includes every right of the ones before it. */
public enum Role {
    VIEWER, DEVELOPER, ADMIN, OWNER;

    public static final Set<String> NAMES = Arrays.stream(values()).map(Role::wireName).collect(Collectors.toUnmodifiableSet());

    public String wireName() { return name().toLowerCase(java.util.Locale.ROOT); }

    public boolean atLeast(Role other) { return compareTo(other) >= 0; }

    public static Role fromWire(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
