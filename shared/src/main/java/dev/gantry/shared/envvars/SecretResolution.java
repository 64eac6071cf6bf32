package dev.gantry.shared.envvars;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * API.md §7's resolution rule, in one place: a binding's key resolves to the secret with that key
 * in the environment's {@code secret_scope}, else in scope {@code all}, else to nothing.
 */
final class SecretResolution {
    private SecretResolution() {}

    /** For each key that resolves, the claim it resolves to (one BatchGetItem of claims). */
    static Map<String, SecretRepository.Claim> resolve(SecretRepository secrets, String workspaceId, String environmentScope,
                                                       List<String> secretKeys) {
        Set<String> keys = new LinkedHashSet<>(secretKeys);
        Map<String, SecretRepository.Claim> out = new java.util.HashMap<>();
        if (keys.isEmpty()) return out;
        List<String[]> pairs = new ArrayList<>();
        for (String k : keys) {
            pairs.add(new String[] {environmentScope, k});
            pairs.add(new String[] {EnvVarRules.SCOPE_ALL, k});
        }
        Map<String, SecretRepository.Claim> claims = secrets.claims(workspaceId, pairs);
        for (String k : keys) {
            SecretRepository.Claim c = claims.get(environmentScope + "#" + k);
            if (c == null) c = claims.get(EnvVarRules.SCOPE_ALL + "#" + k);
            if (c != null) out.put(k, c);
        }
        return out;
    }
}
