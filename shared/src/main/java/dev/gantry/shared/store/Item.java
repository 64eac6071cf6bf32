package dev.gantry.shared.store;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Builds one item (or a set of attribute values): {@code new Item(Keys.repo(id)).s("id", id).n("ver", 1).map()}. Nulls are skipped. */
public final class Item {
    private final Map<String, AttributeValue> values;

    public Item(Map<String, AttributeValue> key) {
        this.values = new HashMap<>(key);
    }

    public Item s(String name, String value) {
        if (value != null) values.put(name, Attr.s(value));
        return this;
    }

    public Item t(String name, Instant value) {
        if (value != null) values.put(name, Attr.s(value.toString()));
        return this;
    }

    public Item n(String name, long value) {
        values.put(name, Attr.n(value));
        return this;
    }

    public Item bool(String name, boolean value) {
        values.put(name, Attr.bool(value));
        return this;
    }

    /** Listed on GSI1 under {@code pk}, ordered by {@code sk}. */
    public Item gsi1(String pk, String sk) {
        return s(Keys.GSI1_PK, pk).s(Keys.GSI1_SK, sk);
    }

    public Map<String, AttributeValue> map() { return values; }

    /** An instant attribute, or null. */
    public static Instant instant(Map<String, AttributeValue> item, String name) {
        String v = Attr.str(item, name);
        return v == null ? null : Instant.parse(v);
    }
}
