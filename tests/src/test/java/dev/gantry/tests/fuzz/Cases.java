package dev.gantry.tests.fuzz;

import dev.gantry.tests.fuzz.Case.Mutation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static dev.gantry.tests.fuzz.Case.encode;

/**
 * The boundary cases of one operation: the valid request; each path parameter with segment values
 * (the missing id always among them); each query parameter with its values, and odd query strings;
 * each body field with its schema's values, each field removed, invalid UTF-8 in each text field;
 * bad bodies (the one over the size limit always among them); header values; other methods; odd
 * path shapes. One mutation per case, so a failure names its cause.
 *
 * <p>{@code full}: every value of every list (some 14,000 requests for the whole document). Otherwise
 * a few values of each list per operation, picked by a {@link Random} seeded with the run's seed
 * and the operation, so every category of every operation is exercised and the values differ
 * from operation to operation.
 */
public final class Cases {
    private Cases() {}

    public static List<Case> boundaries(OpenApi.Operation op, boolean full, long seed) {
        Random random = new Random(seed ^ op.key().hashCode());
        Picker pick = new Picker() {
            @Override
            public <T> List<T> some(List<T> list, int n) {
                return full ? list : sample(list, n, random);
            }
        };
        List<Mutation> out = new ArrayList<>();
        for (OpenApi.Param p : op.params("path")) {
            out.add(new Case.PathParam(p.name(), new Case.Segment.Missing()));
            for (Case.Segment s : pick.some(Values.segments().subList(1, Values.segments().size()), 4)) out.add(new Case.PathParam(p.name(), s));
        }
        for (OpenApi.Param p : op.params("query")) {
            List<Mutation> values = new ArrayList<>();
            for (byte[] v : Values.queryValues(p.schema())) values.add(new Case.Query(p.name(), v));
            values.add(new Case.Query(p.name(), null));
            if (p.example() != null) values.add(new Case.Query(p.name(), encode(p.example().asText())));
            out.addAll(pick.some(values, 3));
        }
        for (byte[] q : pick.some(Values.rawQueries(), 1)) out.add(new Case.RawQuery(q));
        for (Values.Slot slot : Values.slots(op)) {
            for (String json : pick.some(Values.json(slot.schema()), 2)) out.add(new Case.Field(slot.pointer(), json));
            for (String json : pick.some(Values.byName(slot.pointer()), 2)) out.add(new Case.Field(slot.pointer(), json));
            if (slot.pointer().isEmpty()) continue;
            out.add(new Case.Remove(slot.pointer()));
            if (slot.schema().path("type").asText().equals("string")) {
                for (byte[] bad : pick.some(Values.INVALID_UTF8, 1)) out.add(new Case.FieldBytes(slot.pointer(), bad));
            }
        }
        // a body where the route takes none, and broken bodies where it takes one; always one over the limit
        if (!op.takesBody()) out.add(new Case.Body(Case.bytes("{\"unexpected\":true}")));
        List<Mutation> bodies = Values.bodies(op);
        Mutation overLimit = bodies.stream().filter(m -> m instanceof Case.PadBody p && p.bytes() > Values.BODY_LIMIT).findFirst().orElseThrow();
        out.add(overLimit);
        out.addAll(pick.some(bodies.stream().filter(m -> m != overLimit).toList(), 3));
        out.addAll(pick.some(Values.headers(op), 6));
        for (String m : pick.some(Values.methods(op), 1)) out.add(new Case.Method(m));
        for (String shape : pick.some(Values.PATH_SHAPES, 1)) out.add(new Case.PathShape(shape));

        List<Case> cases = new ArrayList<>();
        cases.add(new Case(op, List.of()));
        for (Mutation m : out) cases.add(new Case(op, List.of(m)));
        return cases;
    }

    @FunctionalInterface
    private interface Picker {
        <T> List<T> some(List<T> list, int n);
    }

    private static <T> List<T> sample(List<T> list, int n, Random random) {
        if (list.size() <= n) return list;
        List<T> copy = new ArrayList<>(list);
        Collections.shuffle(copy, random);
        return copy.subList(0, n);
    }
}
