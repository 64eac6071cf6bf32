package dev.gantry.shared.ids;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Prefixed, lower-case ULIDs: {@code usr_01j9…}. The first 10 characters encode the creation
 * time in milliseconds, so ids of one kind sort by age (the audit log and lists rely on it).
 */
public final class Ids {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern ULID = Pattern.compile("^[0-7][0-9a-hjkmnp-tv-z]{25}$");

    private Ids() {}

    public static String newId(String prefix) {
        return prefix + "_" + ulid(System.currentTimeMillis());
    }

    public static String newId(String prefix, Instant at) {
        return prefix + "_" + ulid(at.toEpochMilli());
    }

    /** True when {@code id} has the given prefix and a well-formed ULID: cheap input validation. */
    public static boolean isValid(String prefix, String id) {
        return id != null && id.length() == prefix.length() + 27 && id.startsWith(prefix + "_")
                && ULID.matcher(id.substring(prefix.length() + 1)).matches();
    }

    static String ulid(long millis) {
        char[] out = new char[26];
        long time = millis;
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (time & 31)];
            time >>>= 5;
        }
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        // 80 random bits as 16 base-32 characters
        long hi = 0;
        for (int i = 0; i < 5; i++) hi = (hi << 8) | (random[i] & 0xff);
        long lo = 0;
        for (int i = 5; i < 10; i++) lo = (lo << 8) | (random[i] & 0xff);
        for (int i = 17; i >= 10; i--) {
            out[i] = ALPHABET[(int) (hi & 31)];
            hi >>>= 5;
        }
        for (int i = 25; i >= 18; i--) {
            out[i] = ALPHABET[(int) (lo & 31)];
            lo >>>= 5;
        }
        return new String(out);
    }
}
