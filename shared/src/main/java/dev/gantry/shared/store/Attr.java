package dev.gantry.shared.store;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;

/** Short builders and readers for AttributeValue, so repositories read like the data model. */
public final class Attr {
    private Attr() {}

    public static AttributeValue s(String value) { return AttributeValue.fromS(value); }

    public static AttributeValue n(long value) { return AttributeValue.fromN(Long.toString(value)); }

    public static AttributeValue bool(boolean value) { return AttributeValue.fromBool(value); }

    public static AttributeValue sOrNull(String value) { return value == null ? AttributeValue.fromNul(true) : s(value); }

    public static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.s() == null ? null : v.s();
    }

    public static long num(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? 0 : Long.parseLong(v.n());
    }

    public static boolean flag(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v != null && Boolean.TRUE.equals(v.bool());
    }
}
