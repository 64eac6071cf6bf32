package dev.gantry.shared.webhooks;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The event types of API.md §11 and the filters an endpoint subscribes with: an exact type
 * ({@code deploy.succeeded}), a family ({@code deploy.*}) or everything ({@code *}). Filters are
 * validated against this list so a typo is a 400 at creation, not an endpoint that silently never
 * hears anything.
 */
public final class EventTypes {
    private EventTypes() {}

    public static final String PING = "ping";

    public static final List<String> ALL = List.of(
            "deploy.queued", "deploy.started", "deploy.succeeded", "deploy.failed", "deploy.cancelled",
            "environment.created", "environment.deleted",
            "instance.created", "instance.destroyed",
            "repo.scan_completed",
            "api_key.created", "api_key.revoked",
            PING);

    /** The families a {@code prefix.*} filter may name. */
    public static final Set<String> FAMILIES;

    static {
        Set<String> f = new LinkedHashSet<>();
        for (String t : ALL) if (t.contains(".")) f.add(t.substring(0, t.indexOf('.')));
        FAMILIES = Set.copyOf(f);
    }

    public static boolean isType(String type) {
        return ALL.contains(type);
    }

    /** True for {@code *}, a known type, or {@code <family>.*} of a known family. */
    public static boolean isValidFilter(String filter) {
        if (filter == null) return false;
        if (filter.equals("*") || isType(filter)) return true;
        return filter.endsWith(".*") && FAMILIES.contains(filter.substring(0, filter.length() - 2));
    }

    /** Whether an endpoint subscribed with {@code filters} receives {@code type}. A ping is only ever sent by the test route. */
    public static boolean matches(List<String> filters, String type) {
        for (String f : filters) {
            if (f.equals("*") || f.equals(type)) return true;
            if (f.endsWith(".*") && type.startsWith(f.substring(0, f.length() - 1))) return true;
        }
        return false;
    }
}
