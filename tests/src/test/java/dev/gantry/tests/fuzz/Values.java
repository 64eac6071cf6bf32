package dev.gantry.tests.fuzz;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.tests.fuzz.Case.HeaderValue;
import dev.gantry.tests.fuzz.Case.Mutation;
import dev.gantry.tests.fuzz.Case.Segment;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static dev.gantry.tests.fuzz.Case.bytes;
import static dev.gantry.tests.fuzz.Case.encode;

/**
 * The bad and boundary values, derived from the document's schemas: for each body field its type's
 * edges (lengths around minLength and maxLength, numbers around minimum and maximum and past 64
 * bits, enum values in the wrong case), wrong types, null, hostile text (control characters, lone
 * surrogates, right-to-left overrides, path traversal, percent-escapes, very long); for path
 * segments, query strings and headers the same in raw bytes, invalid UTF-8 included. Each list is
 * what the boundary sweep sends; {@link FuzzIT} draws from the same lists and adds random values.
 */
public final class Values {
    /** Writes every non-ASCII character as {@code \\uXXXX}: lone surrogates stay in the JSON text (valid JSON, invalid Unicode). */
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII).build();
    /** Every kind of id a path may name: a wrong-kind id is one of these. */
    static final List<String> KINDS = List.of("usr", "ak", "repo", "env", "sb", "sec", "ct", "inst", "dep", "whe", "msg");
    public static final int BODY_LIMIT = 256 * 1024;
    public static final int GITHUB_BODY_LIMIT = 25 * 1024 * 1024;

    private Values() {}

    /** A field of a request body: its JSON pointer in the valid body and its schema. */
    public record Slot(String pointer, JsonNode schema, boolean required) {}

    /** The body's fields that a case can change: the root, every property the schema names (present or not) under a present parent, array items. */
    public static List<Slot> slots(OpenApi.Operation op) {
        List<Slot> out = new ArrayList<>();
        if (!op.takesBody()) return out;
        walk(op.bodySchema(), op.bodyExample(), "", true, out);
        return out;
    }

    private static void walk(JsonNode schema, JsonNode example, String pointer, boolean required, List<Slot> out) {
        out.add(new Slot(pointer, schema, required));
        if (example == null) return;
        if (schema.has("properties") && example.isObject()) {
            Set<String> req = new LinkedHashSet<>();
            schema.path("required").forEach(r -> req.add(r.asText()));
            for (Iterator<String> it = schema.get("properties").fieldNames(); it.hasNext(); ) {
                String name = it.next();
                JsonNode child = schema.get("properties").get(name);
                if (example.has(name)) walk(child, example.get(name), pointer + "/" + name, req.contains(name), out);
                else out.add(new Slot(pointer + "/" + name, child, false));
            }
        } else if (schema.has("items") && example.isArray()) {
            walk(schema.get("items"), example.isEmpty() ? null : example.get(0), pointer + "/0", true, out);
        }
    }

    // ---- JSON values ---------------------------------------------------------------------------

    /** Raw JSON texts no schema accepts as they are, or that sit on its edges. */
    public static List<String> json(JsonNode schema) {
        Set<String> out = new LinkedHashSet<>(List.of("null", "true", "0", "-1", "\"\"", "[]", "{}", "\"text\""));
        String type = schema.path("type").isTextual() ? schema.get("type").asText() : schema.has("properties") ? "object" : "";
        switch (type) {
            case "string" -> {
                int min = schema.path("minLength").asInt(0);
                int max = schema.path("maxLength").asInt(300);
                if (min > 1) out.add(quote("a".repeat(min - 1)));
                out.add(quote("a".repeat(max)));
                out.add(quote("a".repeat(max + 1)));
                out.addAll(List.of("\" \"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udfff\\ud800\"", quote("日本語🙂ü"), quote("\u202eevil"),
                        quote("../../etc/passwd"), quote("%2F%00%ff"), quote("<script>alert(1)</script>"), quote("' OR '1'='1"),
                        quote("${jndi:ldap://127.0.0.1/x}"), quote("line\r\nX-Injected: 1"), quote("\t\u000b\u001f\u007f"), "123", "12.5", "1e999"));
                for (JsonNode e : schema.path("enum")) {
                    out.add(quote(e.asText().toUpperCase(Locale.ROOT)));
                    out.add(quote(" " + e.asText()));
                }
                String format = schema.path("format").asText("");
                if (format.equals("email")) out.addAll(List.of(quote("a@b"), quote("@"), quote("no-at-sign"), quote("a@b..c"),
                        quote("\"quoted\"@example.com"), quote("a@" + "b".repeat(250) + ".com"), quote("ADA@EXAMPLE.COM")));
                if (format.equals("date-time")) out.addAll(List.of(quote("2026-13-45T99:99:99Z"), quote("1970-01-01T00:00:00Z"),
                        quote("9999-12-31T23:59:59Z"), quote("2026-01-01"), quote("+999999999-12-31T23:59:59Z"), quote("2026-01-01T00:00:00+25:00")));
            }
            case "integer", "number" -> {
                long min = schema.path("minimum").asLong(0);
                long max = schema.path("maximum").asLong(Integer.MAX_VALUE);
                out.addAll(List.of(String.valueOf(min - 1), String.valueOf(max + 1), String.valueOf(min), String.valueOf(max),
                        "9223372036854775808", "-9223372036854775809", "1" + "0".repeat(400), "1e400", "-0", "1.5", "\"1\""));
            }
            case "boolean" -> out.addAll(List.of("\"true\"", "1", "\"false\""));
            case "array" -> {
                int maxItems = schema.path("maxItems").asInt(100);
                out.addAll(List.of("[null]", "[[]]", "[{}]", "[\"\"]", "[1,2,3]"));
                out.add("[" + String.join(",", java.util.Collections.nCopies(Math.min(maxItems + 1, 20_000), "\"x\"")) + "]");
                JsonNode items = schema.path("items");
                if (items.path("type").asText().equals("string") || items.has("enum")) {
                    String one = items.has("enum") ? quote(items.get("enum").get(0).asText()) : "\"x\"";
                    out.add("[" + one + "," + one + "]");
                }
            }
            case "object" -> out.addAll(List.of("{\"surprise\":1}", "{\"\":null}", "{\"__proto__\":{\"admin\":true}}", nested(60, false)));
            default -> { }
        }
        return List.copyOf(out);
    }

    /**
     * Values aimed at what a field of that name means, beyond its schema: URLs the SSRF guard must
     * refuse or cannot parse, CIDR ranges out of range, times past the year 9999, shas and
     * branches of every shape. Looked up by the field's name (the last segment of its pointer).
     */
    public static List<String> byName(String pointer) {
        String name = pointer.substring(pointer.lastIndexOf('/') + 1);
        if (name.matches("\\d+")) {
            String parent = pointer.substring(0, pointer.lastIndexOf('/'));
            name = parent.substring(parent.lastIndexOf('/') + 1);
        }
        List<String> raw = switch (name) {
            case "url" -> List.of("http://[::1]/x", "https://user:pass@example.com/", "https://0x7f000001/", "https://[fe80::1%25eth0]/",
                    "https://169.254.169.254/latest/meta-data/", "ftp://example.com/", "https://", "https://exa mple.com/", "//example.com",
                    "https://example.com:99999/", "https://example.com/#frag", "https://" + "a".repeat(300) + ".com/", "javascript:alert(1)",
                    "http://127.0.0.1:9/fuzz-hook?x=" + "y".repeat(2_100));
            case "ip_allowlist" -> List.of("0.0.0.0/33", "1.2.3.4/-1", "::/0", "0.0.0.0/0", "fe80::1%eth0", "256.1.1.1", "1.2.3", "::ffff:1.2.3.4/129",
                    "2001:db8::/32/1", "1.2.3.4/", "/24", "1.2.3.4 ", "01.02.03.04");
            case "expires_at" -> List.of("1970-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "+10000-01-01T00:00:00Z", "2026-02-30T00:00:00Z",
                    "2026-01-01T00:00:00.123456789123Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:60Z", "2026-01-01T00:00:00");
            case "sha" -> List.of("0000000", "f".repeat(40), "F".repeat(40), "g".repeat(40), "0".repeat(41), "abc");
            case "branch" -> List.of("main", "feature/x", "../main", "-main", "refs/heads/main", "a..b", "a@{1}", "x".repeat(256), "a b", "~^:");
            case "full_name" -> List.of("gantry-demo/flask-app", "GANTRY-DEMO/FLASK-APP", "gantry-demo/flask-app.git", "a/b", "-/-", "a//b", "/");
            case "name", "alias", "key", "secret_key" -> List.of("production", "PRODUCTION", "a", "-a", "a-", "A_B", "_", "9", "a".repeat(63), "a".repeat(64));
            case "events" -> List.of("deploy.*", "*", "deploy.**", "ping", "Deploy.succeeded", "deploy.", ".", "**");
            case "role", "plan", "scope", "provider", "status", "secret_scope" -> List.of("owner", "admin", "free", "team", "all", "hetzner",
                    "digitalocean", "aws", "enabled", "disabled", "production", "staging", "development", "ALL");
            case "region", "instance_type" -> List.of("fsn1", "nyc3", "cx22", "s-1vcpu-1gb", "", "zz9", "x".repeat(100));
            default -> List.of();
        };
        return raw.stream().map(Values::quote).toList();
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String nested(int depth, boolean arrays) {
        return arrays ? "[".repeat(depth) + "]".repeat(depth) : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    /** Byte strings that are not UTF-8: a lone continuation byte, a truncated sequence, an overlong slash, a surrogate, 0xFF. */
    public static final List<byte[]> INVALID_UTF8 = List.of(new byte[]{(byte) 0x80}, new byte[]{(byte) 0xc3, 0x28},
            new byte[]{(byte) 0xc0, (byte) 0xaf}, new byte[]{(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[]{(byte) 0xff, (byte) 0xfe},
            new byte[]{(byte) 0xe2, (byte) 0x82});

    // ---- whole bodies --------------------------------------------------------------------------

    /** Bodies that are not the JSON a route wants, whatever it wants: broken, huge, deep, repeated keys, other encodings. */
    public static List<Mutation> bodies(OpenApi.Operation op) {
        List<Mutation> out = new ArrayList<>();
        for (String text : List.of("", "{", "}", "nul", "{'a':1}", "{\"a\":1} trailing", "{\"a\":1}{\"b\":2}", "/* c */ {}", "{\"a\":NaN}",
                "{\"a\":Infinity}", "\"string\"", "42", "true", "null", "[]", "[{}]", "{\"a\":1,}", "{\"a\" 1}", "\u0000")) {
            out.add(new Case.Body(bytes(text)));
        }
        out.add(new Case.Body(concat(bytes("{\"name\":\""), INVALID_UTF8.get(1), bytes("\"}"))));
        out.add(new Case.Body(concat(INVALID_UTF8.get(4), bytes("{}"))));
        out.add(new Case.Body(concat(new byte[]{(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, bytes("{}"))));
        out.add(new Case.Body("{}".getBytes(StandardCharsets.UTF_16LE)));
        out.add(new Case.Body(bytes(nested(100_000, true))));
        out.add(new Case.Body(bytes(nested(20_000, false))));
        out.add(new Case.Body(bytes("[" + "1".repeat(5_000) + "]")));
        out.add(new Case.Body(bytes("{\"a\":\"" + "x".repeat(200_000) + "\"}")));
        String first = op.bodyExample() != null && op.bodyExample().isObject() && op.bodyExample().fieldNames().hasNext()
                ? op.bodyExample().fieldNames().next() : "a";
        out.add(new Case.Body(bytes("{\"" + first + "\":1,\"" + first + "\":2}")));
        int limit = op.template().equals("/webhooks/github") ? GITHUB_BODY_LIMIT : BODY_LIMIT;
        // huge JSON: the document's example (or an object) thousands of times over, past the limit
        String one = op.bodyExample() == null ? "{\"a\":\"" + "x".repeat(40) + "\"}" : op.bodyExample().toString();
        out.add(new Case.Body(bytes("[" + String.join(",", java.util.Collections.nCopies(BODY_LIMIT / one.length() + 2, one)) + "]")));
        out.add(new Case.PadBody(limit));
        out.add(new Case.PadBody(limit + 1));
        if (limit == BODY_LIMIT) out.add(new Case.PadBody(4 * 1024 * 1024));
        return out;
    }

    // ---- path segments and query values ---------------------------------------------------------

    /** Path segment values, as raw bytes on the wire. */
    public static List<Segment> segments() {
        List<Segment> out = new ArrayList<>(List.of(new Segment.Missing(), new Segment.OtherKind("usr"), new Segment.OtherKind("repo")));
        for (String raw : List.of(".", "..", "%2e%2e", "%2F", "a%2Fb", "%00", "%ff", "%C3%28", "%", "%zz", "%u0041", "%E2%80%AE",
                "%20", "+", ";", "*", "'", "%22", "%7Bid%7D", "null", "-1", "0", "x".repeat(2_000), "%41".repeat(3_000), "REPO_01J9ZZZZ")) {
            out.add(new Segment.Raw(bytes(raw)));
        }
        for (byte[] bad : INVALID_UTF8) out.add(new Segment.Raw(bad));
        out.add(new Segment.Raw("ü日".getBytes(StandardCharsets.UTF_8)));
        out.add(new Segment.Raw(new byte[]{0x01, 0x7f}));
        return out;
    }

    /** Raw (on-the-wire) values for a query parameter of this schema. */
    public static List<byte[]> queryValues(JsonNode schema) {
        List<byte[]> out = new ArrayList<>();
        for (String raw : List.of("", "%00", "%ff", "%C3%28", "%", "%zz", "-1", "0", "101", "1.5", "1e2", "0x10", "%201", "abc",
                "99999999999999999999999", "true", "null", "a%26b%3Dc", "x".repeat(5_000), "%E2%80%AE", "%22%27%3C%3E")) {
            out.add(bytes(raw));
        }
        for (JsonNode e : schema.path("enum")) out.add(encode(e.asText().toUpperCase(Locale.ROOT)));
        for (String cursor : List.of("eyJrIjoieCJ9", "eyJrIjoieCJ9.c2ln", "AAAA", "____", "eyJ" + "A".repeat(4_000), "e30.e30.e30")) out.add(bytes(cursor));
        out.add(INVALID_UTF8.get(4));
        out.add(new byte[]{0x01});
        return out;
    }

    /** Whole query strings of odd shape, for any operation. */
    public static List<byte[]> rawQueries() {
        return List.of(bytes(""), bytes("&&&"), bytes("="), bytes("=x"), bytes("limit"), bytes("limit=1&limit=2"), bytes("cursor=&cursor=x"),
                bytes("a=" + "b".repeat(10_000)), bytes("%"), bytes("%zz=%zz"), bytes("limit=%00"), INVALID_UTF8.get(1), bytes("?x=1"),
                bytes("x[]=1&x[a]=2"));
    }

    // ---- headers -------------------------------------------------------------------------------

    /** Every header the API reads (and a few it should ignore), each with its bad and edge values; by the operation's method and security. */
    public static List<Mutation> headers(OpenApi.Operation op) {
        List<Mutation> out = new ArrayList<>();
        // credentials: on public routes too (they must ignore them)
        out.add(new Case.SetHeader("Authorization", new HeaderValue.Absent()));
        for (String raw : List.of("", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer gk_live_" + "A".repeat(40), "Bearer gk_", "Token x",
                "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1c3JfMDFqOXp6enp6enp6enp6enp6enp6enp6enp6In0.",
                "Bearer a.b.c", "Bearer " + "a".repeat(8_000), "Bearer \u00e9")) {
            out.add(new Case.SetHeader("Authorization", new HeaderValue.Text(bytes(raw))));
        }
        out.add(new Case.SetHeader("Authorization", new HeaderValue.Text(concat(bytes("Bearer "), INVALID_UTF8.get(4)))));
        out.add(new Case.SetHeader("Authorization", new HeaderValue.Credential("bearer ", "owner-key", "")));
        out.add(new Case.SetHeader("Authorization", new HeaderValue.Credential("Bearer  ", "owner-key", "")));
        out.add(new Case.SetHeader("Authorization", new HeaderValue.Credential("Bearer ", "owner-key", "x")));
        out.add(new Case.SetHeader("Authorization", new HeaderValue.Credential("Bearer ", "owner-key", ", Bearer other")));
        out.add(new Case.SetHeader("Authorization", new HeaderValue.Credential("Basic ", "owner-key", "")));
        out.add(new Case.SetHeader("Authorization", new HeaderValue.Credential("Bearer ", "owner-jwt", "")));
        out.add(new Case.SetHeader("Authorization", new HeaderValue.Credential("Bearer ", "owner-jwt", "x")));
        out.add(new Case.SetHeader("Authorization", new HeaderValue.Credential("Bearer ", "developer-jwt", "")));
        out.add(new Case.SetHeader("Authorization", new HeaderValue.Credential("Bearer ", "revoked-key", "")));
        out.add(new Case.SetHeader("X-API-Key", new HeaderValue.Credential("", "owner-key", "")));
        out.add(new Case.SetHeader("X-API-Key", new HeaderValue.Text(bytes("gk_live_garbage"))));
        out.add(new Case.SetHeader("X-API-Key", new HeaderValue.Credential("", "revoked-key", "")));
        out.add(new Case.SetHeader("X-API-Key", new HeaderValue.Text(INVALID_UTF8.get(1))));

        if (op.method().equals("POST")) {
            for (String raw : List.of("", " ", "k", "x".repeat(255), "x".repeat(256), "ключ", "a\u0001b", "k\u007f")) {
                out.add(new Case.SetHeader("Idempotency-Key", new HeaderValue.Text(bytes(raw))));
            }
            out.add(new Case.SetHeader("Idempotency-Key", new HeaderValue.Text(INVALID_UTF8.get(0))));
        }
        if (Set.of("PATCH", "PUT", "DELETE", "POST").contains(op.method())) {
            out.add(new Case.SetHeader("If-Match", new HeaderValue.CurrentEtag("")));
            out.add(new Case.SetHeader("If-Match", new HeaderValue.CurrentEtag("W/")));
            for (String raw : List.of("*", "\"nope\"", "W/\"x\"", "", "garbage", "\"", "\"a\", \"b\"", "\"" + "9".repeat(3_000) + "\"")) {
                out.add(new Case.SetHeader("If-Match", new HeaderValue.Text(bytes(raw))));
            }
            out.add(new Case.SetHeader("If-Match", new HeaderValue.Text(INVALID_UTF8.get(2))));
        }
        if (op.method().equals("GET")) {
            out.add(new Case.SetHeader("If-None-Match", new HeaderValue.CurrentEtag("")));
            out.add(new Case.SetHeader("If-None-Match", new HeaderValue.CurrentEtag("W/")));
            for (String raw : List.of("*", "\"nope\"", "", "garbage, *", "\"" + "9".repeat(3_000) + "\"")) {
                out.add(new Case.SetHeader("If-None-Match", new HeaderValue.Text(bytes(raw))));
            }
            out.add(new Case.SetHeader("If-None-Match", new HeaderValue.Text(INVALID_UTF8.get(3))));
        }
        if (op.takesBody()) {
            out.add(new Case.SetHeader("Content-Type", new HeaderValue.Absent()));
            for (String raw : List.of("text/plain", "application/json; charset=iso-8859-1", "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=x", "APPLICATION/JSON", "application/json;", "application/json; charset=\"utf-8\"",
                    "application/json; charset=utf-16", "application/vnd.api+json", "*/*", "", "application/json, text/plain",
                    "application/json; " + "x=y;".repeat(1_000))) {
                out.add(new Case.SetHeader("Content-Type", new HeaderValue.Text(bytes(raw))));
            }
            out.add(new Case.SetHeader("Content-Type", new HeaderValue.Text(concat(bytes("application/json; charset="), INVALID_UTF8.get(4)))));
        }
        for (String raw : List.of("req_client_chosen", "", "x".repeat(5_000), "req_01j9zzzzzzzzzzzzzzzzzzzz")) {
            out.add(new Case.SetHeader("X-Request-Id", new HeaderValue.Text(bytes(raw))));
        }
        out.add(new Case.SetHeader("X-Request-Id", new HeaderValue.Text(INVALID_UTF8.get(5))));
        out.add(new Case.SetHeader("X-Forwarded-For", new HeaderValue.Text(bytes("203.0.113.7, 10.0.0.1"))));
        out.add(new Case.SetHeader("X-Forwarded-For", new HeaderValue.Text(bytes("not an address"))));
        out.add(new Case.SetHeader("Host", new HeaderValue.Text(bytes("evil.example"))));
        out.add(new Case.SetHeader("Host", new HeaderValue.Text(bytes("evil.example/x?y="))));
        out.add(new Case.SetHeader("User-Agent", new HeaderValue.Text(INVALID_UTF8.get(4))));
        out.add(new Case.SetHeader("Cookie", new HeaderValue.Text(bytes("gantry_oauth=garbage; gantry_oauth=; =;;"))));
        out.add(new Case.SetHeader("Cookie", new HeaderValue.Text(concat(bytes("gantry_oauth="), INVALID_UTF8.get(1)))));
        out.add(new Case.SetHeader("Accept", new HeaderValue.Text(bytes("text/html"))));
        if (op.template().equals("/webhooks/github")) out.addAll(github());
        return out;
    }

    /** The receiver's own headers: the event name, the delivery id, the signature. */
    static List<Mutation> github() {
        List<Mutation> out = new ArrayList<>();
        for (String header : List.of("X-GitHub-Event", "X-GitHub-Delivery", "X-Hub-Signature-256")) {
            out.add(new Case.SetHeader(header, new HeaderValue.Absent()));
            out.add(new Case.SetHeader(header, new HeaderValue.Text(bytes(""))));
            out.add(new Case.SetHeader(header, new HeaderValue.Text(INVALID_UTF8.get(1))));
            out.add(new Case.SetHeader(header, new HeaderValue.Text(bytes("x".repeat(5_000)))));
        }
        for (String event : List.of("push", "installation", "installation_repositories", "workflow_run", "repository", "PUSH", "../x",
                "ping\u0001", "unknown_event", "ünïcode")) {
            out.add(new Case.SetHeader("X-GitHub-Event", new HeaderValue.Text(bytes(event))));
        }
        for (String delivery : List.of("fuzz-duplicate-delivery", "a b", "x".repeat(101), "-", "../../x")) {
            out.add(new Case.SetHeader("X-GitHub-Delivery", new HeaderValue.Text(bytes(delivery))));
        }
        out.add(new Case.SetHeader("X-Hub-Signature-256", new HeaderValue.Signature(false)));
        for (String sig : List.of("sha256=", "sha1=abc", "sha256=" + "zz".repeat(32), "sha256=" + "0".repeat(64), "sha256=" + "0".repeat(63),
                "SHA256=" + "0".repeat(64), " sha256=" + "0".repeat(64))) {
            out.add(new Case.SetHeader("X-Hub-Signature-256", new HeaderValue.Text(bytes(sig))));
        }
        return out;
    }

    /** Methods other than the operation's, on its path: the others the document has there, the rest of HTTP's, and made-up ones. */
    public static List<String> methods(OpenApi.Operation op) {
        List<String> out = new ArrayList<>();
        for (String m : List.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "FOO", "PROPFIND")) {
            if (!m.equals(op.method())) out.add(m);
        }
        return out;
    }

    public static final List<String> PATH_SHAPES = List.of("trailing-slash", "double-slash", "upper-case", "dot-segment", "dot-dot",
            "encoded-slash", "semicolon", "encoded-literal", "absolute-uri");

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** A number with {@code digits} digits: past every integer type. */
    static String hugeNumber(int digits) {
        return BigInteger.TEN.pow(digits).toString();
    }
}
