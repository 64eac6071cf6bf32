package dev.gantry.tests.fuzz;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.gantry.tests.LocalGantry;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One fuzz case, symbolic: an operation of the document and what to do to a valid request for it.
 * It becomes bytes only when sent ({@link #toWire}), against a {@link Fixture}: so jqwik can
 * generate, shrink and print cases before and apart from any resource, and "this workspace's repo"
 * means the repo that exists when the request goes out.
 *
 * <p>The valid request: every path parameter this workspace's resource of its kind, the required
 * query parameters their documented examples, the owner's API key, and the document's request
 * example adapted to the workspace as a JSON body. The webhook receiver gets GitHub's headers and a
 * valid signature over the final body unless a mutation says otherwise.
 */
public record Case(OpenApi.Operation op, List<Mutation> mutations) {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PLACEHOLDER = "\u0001fuzz-bytes\u0001";

    /** A value of a path parameter: this workspace's resource, a missing one, another kind's, or raw bytes. */
    public sealed interface Segment {
        record Existing() implements Segment {}
        record Missing() implements Segment {}
        record OtherKind(String kind) implements Segment {}
        record Raw(byte[] bytes) implements Segment {
            @Override public String toString() { return "Raw[" + Wire.printable(bytes, 80) + "]"; }
        }
    }

    /** A header's value: raw bytes, one of the fixture's credentials, the resource's current ETag, or a GitHub signature. */
    public sealed interface HeaderValue {
        record Text(byte[] bytes) implements HeaderValue {
            @Override public String toString() { return "Text[" + Wire.printable(bytes, 80) + "]"; }
        }
        record Absent() implements HeaderValue {}
        /** {@code prefix} + a credential of the fixture + {@code suffix}: owner-key, owner-jwt, developer-jwt, revoked-key. */
        record Credential(String prefix, String which, String suffix) implements HeaderValue {}
        record CurrentEtag(String prefix) implements HeaderValue {}
        record Signature(boolean valid) implements HeaderValue {}
    }

    public sealed interface Mutation {}

    public record Method(String method) implements Mutation {}

    public record PathParam(String name, Segment value) implements Mutation {}

    /** Rewrites the whole path: trailing-slash, double-slash, upper-case, dot-segment, encoded-slash, semicolon, encoded-literal. */
    public record PathShape(String shape) implements Mutation {}

    /** A query parameter with a raw (already encoded) value; null: the name alone. */
    public record Query(String name, byte[] rawValue) implements Mutation {
        @Override public String toString() { return "Query[" + name + "=" + (rawValue == null ? "<none>" : Wire.printable(rawValue, 80)) + "]"; }
    }

    public record RawQuery(byte[] raw) implements Mutation {
        @Override public String toString() { return "RawQuery[" + Wire.printable(raw, 80) + "]"; }
    }

    public record SetHeader(String name, HeaderValue value) implements Mutation {}

    /** The JSON value at {@code pointer} in the body replaced by raw JSON text (anything: a wrong type, a huge number, a lone surrogate). */
    public record Field(String pointer, String rawJson) implements Mutation {
        @Override public String toString() { return "Field[" + pointer + "=" + cut(rawJson) + "]"; }
    }

    /** The body's field at {@code pointer} removed. */
    public record Remove(String pointer) implements Mutation {}

    /** The string at {@code pointer} replaced by a string whose content is these raw bytes (invalid UTF-8 and the like). */
    public record FieldBytes(String pointer, byte[] bytes) implements Mutation {
        @Override public String toString() { return "FieldBytes[" + pointer + "=" + Wire.printable(bytes, 80) + "]"; }
    }

    /** The whole body replaced by these bytes (null: no body). */
    public record Body(byte[] bytes) implements Mutation {
        @Override public String toString() { return "Body[" + (bytes == null ? "none" : Wire.printable(bytes, 100)) + "]"; }
    }

    /** The body padded with trailing whitespace to {@code bytes} long: still the same JSON document, only bigger. */
    public record PadBody(int bytes) implements Mutation {}

    @Override
    public String toString() {
        return op.key() + " " + mutations.stream().map(Object::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    /** The request to send, resolved against the fixture now. */
    public Wire.Request toWire(Fixture f) {
        String method = op.method();
        Map<String, Segment> segments = new LinkedHashMap<>();
        for (OpenApi.Param p : op.params("path")) segments.put(p.name(), new Segment.Existing());
        Map<String, byte[]> query = new LinkedHashMap<>();
        for (OpenApi.Param p : op.params("query")) {
            if (p.required() && p.example() != null) query.put(p.name(), encode(p.example().asText()));
        }
        byte[] rawQuery = null;
        String shape = null;
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        boolean github = op.template().equals("/webhooks/github");
        if (!op.isPublic()) headers.put("Authorization", new HeaderValue.Credential("Bearer ", "owner-key", ""));
        if (github) {
            headers.put("X-GitHub-Event", new HeaderValue.Text(bytes("ping")));
            headers.put("X-GitHub-Delivery", new HeaderValue.Text(bytes("fuzz-" + java.util.UUID.randomUUID())));
            headers.put("X-Hub-Signature-256", new HeaderValue.Signature(true));
        }
        JsonNode body = null;
        if (op.takesBody() && op.bodyExample() != null) {
            body = op.bodyExample().deepCopy();
            if (body instanceof ObjectNode o) f.adapt(op.template(), o);
        } else if (op.takesBody() && op.bodyRequired()) {
            body = JSON.createObjectNode();
        }
        byte[] rawBody = null;
        boolean bodyReplaced = false;
        Integer pad = null;
        List<Field> fields = new ArrayList<>();
        List<FieldBytes> fieldBytes = new ArrayList<>();
        for (Mutation m : mutations) {
            switch (m) {
                case Method x -> method = x.method();
                case PathParam x -> segments.put(x.name(), x.value());
                case PathShape x -> shape = x.shape();
                case Query x -> query.put(x.name(), x.rawValue());
                case RawQuery x -> rawQuery = x.raw();
                case SetHeader x -> {
                    headers.keySet().removeIf(k -> k.equalsIgnoreCase(x.name()));
                    headers.put(x.name(), x.value());
                }
                case Field x -> fields.add(x);
                case Remove x -> { if (body != null) remove(body, x.pointer()); }
                case FieldBytes x -> fieldBytes.add(x);
                case Body x -> {
                    rawBody = x.bytes();
                    bodyReplaced = true;
                }
                case PadBody x -> pad = x.bytes();
            }
        }
        for (Field x : fields) body = set(body, x.pointer(), new POJONode(new RawValue(x.rawJson())));
        for (FieldBytes x : fieldBytes) body = set(body, x.pointer(), JSON.getNodeFactory().textNode(PLACEHOLDER));
        if (!bodyReplaced && body != null) {
            rawBody = serialize(body);
            for (FieldBytes x : fieldBytes) rawBody = replace(rawBody, bytes(PLACEHOLDER), x.bytes());
        }
        if (pad != null) rawBody = pad(rawBody, pad);

        // path
        StringBuilder path = new StringBuilder();
        ByteArrayOutputStream target = new ByteArrayOutputStream();
        List<String> templateSegments = op.segments();
        for (String seg : templateSegments) {
            target.write('/');
            if (OpenApi.isParameter(seg)) {
                String name = seg.substring(1, seg.length() - 1);
                target.writeBytes(resolve(f, name, segments.get(name), method));
            } else {
                target.writeBytes(bytes(seg));
            }
        }
        byte[] pathBytes = target.toByteArray();
        if (pathBytes.length == 0) pathBytes = bytes("/");
        if (shape != null) pathBytes = reshape(pathBytes, shape);
        ByteArrayOutputStream full = new ByteArrayOutputStream();
        full.writeBytes(pathBytes);
        if (rawQuery != null) {
            full.write('?');
            full.writeBytes(rawQuery);
        } else if (!query.isEmpty()) {
            char sep = '?';
            for (Map.Entry<String, byte[]> q : query.entrySet()) {
                full.write(sep);
                sep = '&';
                full.writeBytes(bytes(q.getKey()));
                if (q.getValue() != null) {
                    full.write('=');
                    full.writeBytes(q.getValue());
                }
            }
        }
        String resourcePath = new String(pathBytes, StandardCharsets.ISO_8859_1);

        List<Wire.Header> out = new ArrayList<>();
        if (rawBody != null && !headers.keySet().stream().anyMatch(k -> k.equalsIgnoreCase("content-type"))) {
            out.add(Wire.Header.of("Content-Type", "application/json"));
        }
        for (Map.Entry<String, HeaderValue> h : headers.entrySet()) {
            Wire.Header header = header(f, h.getKey(), h.getValue(), method, resourcePath, rawBody);
            if (header != null) out.add(header);
        }
        return new Wire.Request(method, full.toByteArray(), out, rawBody, toString());
    }

    /** A path parameter's bytes; a DELETE (by the operation or by a changed method) of its own target gets a resource made for it. */
    private byte[] resolve(Fixture f, String name, Segment value, String method) {
        String kind = Fixture.kindOf(op.template(), name);
        return switch (value) {
            case Segment.Raw r -> r.bytes();
            case Segment.Missing m -> bytes(kind == null ? "nothing-here" : Fixture.missing(kind));
            case Segment.OtherKind o when !o.kind().equals(kind) -> bytes(f.knows(o.kind()) ? f.existing(o.kind()) : Fixture.missing(o.kind()));
            case Segment.OtherKind o -> resolve(f, name, new Segment.Existing(), method);
            case Segment.Existing e -> {
                if (!f.knows(kind)) yield bytes("nothing-here");
                boolean ownTarget = method.equals("DELETE") && op.segments().getLast().equals("{" + name + "}");
                yield bytes(ownTarget ? f.disposable(kind) : f.existing(kind));
            }
        };
    }

    private static Wire.Header header(Fixture f, String name, HeaderValue value, String method, String resourcePath, byte[] body) {
        return switch (value) {
            case HeaderValue.Absent a -> null;
            case HeaderValue.Text t -> new Wire.Header(name, t.bytes(), null);
            case HeaderValue.Credential c -> {
                String secret = switch (c.which()) {
                    case "owner-key" -> f.ownerKey;
                    case "owner-jwt" -> f.ownerJwt;
                    case "developer-jwt" -> f.developerJwt;
                    case "revoked-key" -> f.revokedKey;
                    default -> throw new IllegalArgumentException(c.which());
                };
                yield Wire.Header.secret(name, c.prefix() + secret + c.suffix(), c.prefix() + "<" + c.which() + ">" + c.suffix());
            }
            case HeaderValue.CurrentEtag e -> {
                // the resource's own GET: the path itself, or for a write on a sub-collection (PUT …/env-vars) the same path
                String etag = f.etag(resourcePath);
                yield etag == null ? null : Wire.Header.of(name, e.prefix() + etag);
            }
            case HeaderValue.Signature s -> {
                byte[] mac = hmacSha256(LocalGantry.GITHUB_WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), body == null ? new byte[0] : body);
                if (!s.valid()) mac[0] ^= 1;
                yield Wire.Header.of(name, "sha256=" + HexFormat.of().formatHex(mac));
            }
        };
    }

    /** GitHub's signature, computed here with the JDK rather than with the code under test. */
    static byte[] hmacSha256(byte[] key, byte[] data) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] reshape(byte[] path, String shape) {
        String p = new String(path, StandardCharsets.ISO_8859_1);
        String out = switch (shape) {
            case "trailing-slash" -> p + "/";
            case "double-slash" -> p.replaceFirst("/", "//");
            case "upper-case" -> p.toUpperCase(java.util.Locale.ROOT);
            case "dot-segment" -> p.replaceFirst("^/([^/]+)", "/$1/.");
            case "dot-dot" -> p.replaceFirst("^/([^/]+)", "/$1/x/..");
            case "encoded-slash" -> p.replaceFirst("^/([^/]+)/", "/$1%2F");
            case "semicolon" -> p + ";jsessionid=1";
            case "encoded-literal" -> p.length() > 1 ? "/%" + String.format("%02X", (int) p.charAt(1)) + p.substring(2) : p;
            case "no-leading-slash" -> p.substring(1);
            case "absolute-uri" -> "http://localhost" + p;
            default -> throw new IllegalArgumentException(shape);
        };
        return out.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static JsonNode set(JsonNode body, String pointer, JsonNode value) {
        if (pointer.isEmpty()) return value;
        if (body == null) body = JSON.createObjectNode();
        int slash = pointer.lastIndexOf('/');
        JsonNode parent = body.at(pointer.substring(0, slash));
        String last = pointer.substring(slash + 1);
        if (parent instanceof ObjectNode o) o.set(last, value);
        else if (parent instanceof ArrayNode a) {
            int i = last.chars().allMatch(Character::isDigit) && !last.isEmpty() && last.length() < 6 ? Integer.parseInt(last) : a.size();
            if (i < a.size()) a.set(i, value); else a.add(value);
        }
        return body;
    }

    private static void remove(JsonNode body, String pointer) {
        int slash = pointer.lastIndexOf('/');
        if (slash < 0) return;
        JsonNode parent = body.at(pointer.substring(0, slash));
        String last = pointer.substring(slash + 1);
        if (parent instanceof ObjectNode o) o.remove(last);
        else if (parent instanceof ArrayNode a && last.matches("\\d{1,5}") && Integer.parseInt(last) < a.size()) a.remove(Integer.parseInt(last));
    }

    private static byte[] serialize(JsonNode body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Padded with spaces after the JSON to {@code size} bytes (still one valid JSON document), or a body of spaces. */
    private static byte[] pad(byte[] body, int size) {
        byte[] base = body == null ? bytes("{}") : body;
        if (base.length >= size) return base;
        byte[] out = new byte[size];
        System.arraycopy(base, 0, out, 0, base.length);
        java.util.Arrays.fill(out, base.length, size, (byte) ' ');
        return out;
    }

    private static byte[] replace(byte[] hay, byte[] needle, byte[] with) {
        for (int i = 0; i <= hay.length - needle.length; i++) {
            boolean match = true;
            for (int j = 0; j < needle.length && match; j++) match = hay[i + j] == needle[j];
            if (match) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(hay, 0, i);
                out.writeBytes(with);
                out.write(hay, i + needle.length, hay.length - i - needle.length);
                return out.toByteArray();
            }
        }
        return hay;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Percent-encodes everything but unreserved characters (RFC 3986). */
    static byte[] encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return bytes(out.toString());
    }

    private static String cut(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…(" + s.length() + " chars)" : s;
    }
}
