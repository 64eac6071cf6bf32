package dev.gantry.shared.webhooks;

import dev.gantry.shared.crypto.Hmac;

import java.nio.charset.StandardCharsets;

/**
 * The id of the delivery of one event to one endpoint, derived from the pair rather than drawn at
 * random: a fan-out that runs twice (SQS at-least-once, the outbox's fast path and relay) computes
 * the same id and its conditional put finds the first, so the endpoint gets one delivery, one
 * {@code webhook-id}. It keeps the shape of every Gantry id: {@code msg_} and a ULID whose time
 * part is the event's, so deliveries list in event order.
 */
public final class DeliveryIds {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();

    private DeliveryIds() {}

    public static String of(String eventId, String endpointId) {
        String eventUlid = eventId.substring(eventId.indexOf('_') + 1);
        byte[] h = Hmac.digest((eventId + "|" + endpointId).getBytes(StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder("msg_").append(eventUlid, 0, 10);
        // 16 characters of 5 bits from the digest: 80 bits, as many as a ULID's random part
        long bits = 0;
        int have = 0, at = 0;
        while (out.length() < 4 + 26) {
            if (have < 5) {
                bits = (bits << 8) | (h[at++] & 0xff);
                have += 8;
            }
            out.append(ALPHABET[(int) ((bits >>> (have - 5)) & 31)]);
            have -= 5;
        }
        return out.toString();
    }
}
