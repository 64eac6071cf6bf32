package dev.gantry.shared.compute;

import java.util.Set;

/**
 * A provider name Gantry has no driver for; the API answers it with 400 {@code invalid_provider}.
 * The message lists the known names but never echoes the caller's input.
 */
public final class UnknownProviderException extends IllegalArgumentException {
    public UnknownProviderException(Set<String> known) {
        super("Unknown compute provider; expected one of: " + String.join(", ", known.stream().sorted().toList()) + ".");
    }
}
