package dev.gantry.shared.store;

import dev.gantry.shared.errors.ApiException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Optimistic locking for items that existed before they carried a version (the identity items:
 * workspace, member, API key). Same contract as the platform's versions (attribute {@code ver},
 * bumped by every write; a write carrying the version its client's If-Match named is conditional
 * on it, so check and write are one atomic step), with one addition: an item written before
 * versions were introduced has no {@code ver}, and that reads, and matches, as version 0.
 * <p>
 * New items are created with {@code ver = 1}; every write sets {@code ver = if_not_exists(ver, 0) + 1},
 * so an old item becomes version 1 on its first write. The condition for an expected version
 * {@code v} is {@code ver = v}, and for {@code v = 0} it is {@code attribute_not_exists(ver) OR ver = 0}:
 * the choice is made here rather than in the expression, since a stored {@code ver} is never 0.
 */
public final class ItemVersion {
    private ItemVersion() {}

    /** The attribute name. */
    public static final String ATTR = "ver";

    /** The SET clause every write to a versioned item includes (uses {@code #ver}, {@code :ver_zero}, {@code :ver_one}). */
    public static final String BUMP = "#ver = if_not_exists(#ver, :ver_zero) + :ver_one";

    /** The condition, names and values of one versioned write; both maps are mutable, for the write's own entries. */
    public record Check(String condition, Map<String, String> names, Map<String, AttributeValue> values) {}

    /**
     * A write that bumps the version: {@code baseCondition} (may be null) and, when
     * {@code expectedVersion} is set, the version condition.
     */
    public static Check check(Long expectedVersion, String baseCondition) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        names.put("#ver", ATTR);
        values.put(":ver_zero", Attr.n(0));
        values.put(":ver_one", Attr.n(1));
        String condition = baseCondition;
        if (expectedVersion != null) {
            values.put(":expected_ver", Attr.n(expectedVersion));
            String version = expectedVersion == 0 ? "(attribute_not_exists(#ver) OR #ver = :expected_ver)" : "#ver = :expected_ver";
            condition = baseCondition == null ? version : "(" + baseCondition + ") AND " + version;
        }
        return new Check(condition, names, values);
    }

    /** A delete: no bump, only the condition (and its names and values). */
    public static Check deleteCheck(Long expectedVersion, String baseCondition) {
        return condition(expectedVersion, baseCondition);
    }

    /**
     * Only the condition (and its names and values), for a write that bumps the version its own
     * way ({@code #ver = #ver + :one} on items created with a version) or does not bump it (a delete).
     */
    public static Check condition(Long expectedVersion, String baseCondition) {
        Check c = check(expectedVersion, baseCondition);
        c.values().remove(":ver_zero");
        c.values().remove(":ver_one");
        if (expectedVersion == null) c.names().remove("#ver");
        return c;
    }

    /** The stored version of an item: absent (written before versions) is 0. */
    public static long of(Map<String, AttributeValue> item) {
        return Attr.num(item, ATTR);
    }

    /** What a failed versioned write means: 412 when a version was expected (the item changed), else {@code otherwise}. */
    public static Supplier<ApiException> failure(Long expectedVersion, Supplier<ApiException> otherwise) {
        return () -> expectedVersion != null ? ApiException.preconditionFailed(null) : otherwise.get();
    }

    /** 412 now when the item the service just read is no longer the version the router matched. */
    public static void require(Long expectedVersion, long current) {
        if (expectedVersion != null && expectedVersion != current) throw ApiException.preconditionFailed(null);
    }
}
