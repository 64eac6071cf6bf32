package dev.gantry.shared.platform;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Optimistic locking for versioned items (attribute {@code ver}, bumped by every write). A write
 * that carries the version its client's If-Match named (see {@code Request.expectedVersion()}) is
 * conditional on it, so "check and write" is one atomic step; without one it only requires the item.
 */
final class Versions {
    private Versions() {}

    /** The condition, names and values of one versioned write. */
    record Check(String condition, Map<String, String> names, Map<String, AttributeValue> values) {}

    static Check check(Long expectedVersion, String extraCondition) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        StringBuilder c = new StringBuilder("attribute_exists(" + Keys.PK + ")");
        if (expectedVersion != null) {
            c.append(" AND #ver = :expected_ver");
            names.put("#ver", "ver");
            values.put(":expected_ver", Attr.n(expectedVersion));
        }
        if (extraCondition != null) c.append(" AND (").append(extraCondition).append(")");
        return new Check(c.toString(), names, values);
    }

    /** What a failed versioned write means: 412 when a version was expected (it changed), else {@code missing}. */
    static Supplier<ApiException> failure(Long expectedVersion, Supplier<ApiException> missing) {
        return () -> expectedVersion != null ? ApiException.preconditionFailed(null) : missing.get();
    }
}
