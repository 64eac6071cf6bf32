package dev.gantry.tests.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.tests.fuzz.Case.HeaderValue;
import dev.gantry.tests.fuzz.Case.Mutation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * jqwik arbitraries for {@link FuzzIT}: the lists of {@link Values} and random values on top (text
 * of any Unicode, integers past 64 bits, nesting of any depth, raw bytes in path segments, query
 * values and headers), per operation and per part of the request.
 */
final class Generators {
    private Generators() {}

    /** Raw JSON for a field of this schema: its boundary values, or random ones of every type. */
    static Arbitrary<String> json(JsonNode schema) {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.of(Values.json(schema))),
                net.jqwik.api.Tuple.of(2, Arbitraries.strings().all().ofMaxLength(300).map(Values::quote)),
                net.jqwik.api.Tuple.of(1, Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30)).map(BigInteger::toString)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 3_000).flatMap(d -> Arbitraries.of(true, false).map(a -> Values.nested(d, a)))),
                net.jqwik.api.Tuple.of(1, Arbitraries.doubles().map(d -> Double.toString(d))),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().alpha().ofMaxLength(8).list().ofMaxSize(30)
                        .map(l -> "[" + String.join(",", l.stream().map(Values::quote).toList()) + "]")));
    }

    /** Raw bytes of a path segment or a query value: anything but the bytes that end them or the request line. */
    static Arbitrary<byte[]> rawBytes(int maxLength) {
        return Arbitraries.bytes().filter(b -> b != '/' && b != '?' && b != '#' && b != '&' && b != ' ' && b != '\r' && b != '\n')
                .array(byte[].class).ofMinSize(1).ofMaxSize(maxLength);
    }

    /** Text of any Unicode, percent-encoded: what a careful client would send for it. */
    static Arbitrary<byte[]> encodedText(int maxLength) {
        return Arbitraries.strings().all().ofMinLength(1).ofMaxLength(maxLength).map(Case::encode);
    }

    /** A header value of any bytes but CR and LF (which would end it). */
    static Arbitrary<HeaderValue> headerBytes() {
        return Arbitraries.bytes().filter(b -> b != '\r' && b != '\n').array(byte[].class).ofMaxSize(300).map(HeaderValue.Text::new);
    }

    static Arbitrary<Mutation> pathParameter(OpenApi.Operation op) {
        List<Arbitrary<Mutation>> choices = new ArrayList<>();
        for (OpenApi.Param p : op.params("path")) {
            choices.add(Arbitraries.oneOf(Arbitraries.of(Values.segments()),
                            rawBytes(80).map(Case.Segment.Raw::new),
                            encodedText(80).map(Case.Segment.Raw::new),
                            Arbitraries.of(Values.KINDS).map(Case.Segment.OtherKind::new))
                    .map(s -> new Case.PathParam(p.name(), s)));
        }
        choices.add(Arbitraries.of(Values.PATH_SHAPES).map(Case.PathShape::new));
        return Arbitraries.oneOf(choices);
    }

    static Arbitrary<Mutation> query(OpenApi.Operation op) {
        List<Arbitrary<Mutation>> choices = new ArrayList<>();
        for (OpenApi.Param p : op.params("query")) {
            choices.add(Arbitraries.oneOf(Arbitraries.of(Values.queryValues(p.schema())), encodedText(60), rawBytes(60))
                    .map(v -> new Case.Query(p.name(), v)));
        }
        choices.add(Arbitraries.of(Values.rawQueries()).map(Case.RawQuery::new));
        choices.add(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12).flatMap(name -> encodedText(30).map(v -> new Case.Query(name, v))));
        return Arbitraries.oneOf(choices);
    }

    static Arbitrary<Mutation> bodyField(OpenApi.Operation op) {
        List<Arbitrary<Mutation>> choices = new ArrayList<>();
        for (Values.Slot slot : Values.slots(op)) {
            choices.add(json(slot.schema()).map(j -> new Case.Field(slot.pointer(), j)));
            List<String> named = Values.byName(slot.pointer());
            if (!named.isEmpty()) choices.add(Arbitraries.of(named).map(j -> new Case.Field(slot.pointer(), j)));
            if (!slot.pointer().isEmpty()) {
                choices.add(Arbitraries.just(new Case.Remove(slot.pointer())));
                choices.add(Arbitraries.of(Values.INVALID_UTF8).map(b -> new Case.FieldBytes(slot.pointer(), b)));
                String parent = slot.pointer().substring(0, slot.pointer().lastIndexOf('/'));
                choices.add(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(10)
                        .map(name -> new Case.Field(parent + "/" + name, "\"unexpected\"")));
            }
        }
        if (choices.isEmpty()) choices.add(Arbitraries.just(new Case.Body(Case.bytes("{\"unexpected\":1}"))));
        return Arbitraries.oneOf(choices);
    }

    static Arbitrary<Mutation> body(OpenApi.Operation op) {
        return Arbitraries.oneOf(Arbitraries.of(Values.bodies(op)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(2_000).map(Case.Body::new),
                Arbitraries.strings().all().ofMaxLength(500).map(s -> new Case.Body(Case.bytes(s))));
    }

    static Arbitrary<Mutation> header(OpenApi.Operation op) {
        List<String> names = List.of("Authorization", "X-API-Key", "Idempotency-Key", "If-Match", "If-None-Match", "X-Request-Id",
                "Content-Type", "Cookie", "Host", "User-Agent", "X-Forwarded-For", "X-GitHub-Event", "X-GitHub-Delivery", "X-Hub-Signature-256");
        return Arbitraries.oneOf(Arbitraries.of(Values.headers(op)),
                Arbitraries.of(names).flatMap(n -> headerBytes().map(v -> (Mutation) new Case.SetHeader(n, v))));
    }

    static Arbitrary<Mutation> method(OpenApi.Operation op) {
        return Arbitraries.oneOf(Arbitraries.of(Values.methods(op)), Arbitraries.strings().withCharRange('A', 'Z').ofMinLength(1).ofMaxLength(12))
                .map(Case.Method::new);
    }

    /** Any part of any request: several mutations at once. */
    static Arbitrary<Mutation> any(OpenApi.Operation op) {
        List<Arbitrary<Mutation>> parts = new ArrayList<>(List.of(header(op), query(op)));
        if (!op.params("path").isEmpty()) parts.add(pathParameter(op));
        if (op.takesBody()) {
            parts.add(bodyField(op));
            parts.add(body(op));
        }
        return Arbitraries.oneOf(parts);
    }
}
