package dev.gantry.shared.http;

import dev.gantry.shared.errors.ApiException;

import java.util.List;

/** A page of a list, as every list route answers it. */
public record Page<T>(List<T> data, String nextCursor) {
    public static final int DEFAULT_LIMIT = 20;
    public static final int MAX_LIMIT = 100;

    /** The {@code limit} query parameter, 1–100, default 20. */
    public static int limit(Request request) {
        String raw = request.query("limit");
        if (raw == null) return DEFAULT_LIMIT;
        try {
            int limit = Integer.parseInt(raw);
            if (limit >= 1 && limit <= MAX_LIMIT) return limit;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiException.validation("limit", "must be an integer from 1 to " + MAX_LIMIT);
    }
}
