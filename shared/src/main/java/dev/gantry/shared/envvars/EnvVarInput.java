package dev.gantry.shared.envvars;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.errors.ApiException.FieldProblem;
import dev.gantry.shared.http.Json;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict readers of the env-var request bodies (API.md §7). Every problem of a body is collected
 * and reported in one 400 {@code validation_error} with field paths such as {@code [3].key} (PUT)
 * or {@code set[2].value} (PATCH), so a script fixes its whole request at once. Problems name the
 * field, never its value: a rejected value may well be a secret.
 */
public final class EnvVarInput {
    private static final Set<String> VAR_FIELDS = Set.of("key", "value", "secret");
    private static final Set<String> PATCH_FIELDS = Set.of("set", "unset");

    private EnvVarInput() {}

    /** One variable as a client sends it. {@code toString} leaves the value out. */
    public record Var(String key, String value, boolean secret) {
        @Override
        public String toString() {
            return "Var[key=" + key + ", secret=" + secret + ", value=(" + (value == null ? 0 : value.length()) + " chars)]";
        }
    }

    /** A bulk edit: variables to set (added or overwritten) and keys to remove (absent ones are ignored). */
    public record Patch(List<Var> set, List<String> unset) {
        public Patch {
            set = List.copyOf(set);
            unset = List.copyOf(unset);
        }
    }

    /** {@code PUT …/env-vars}: a JSON array of {@code {key, value, secret?}}, keys unique, at most 500. */
    public static List<Var> parsePut(byte[] body) {
        JsonNode node = Json.parseBody(body);
        if (!node.isArray()) throw ApiException.validation("(body)", "must be a JSON array of {key, value, secret?} objects");
        List<FieldProblem> problems = new ArrayList<>();
        if (node.size() > EnvVarRules.MAX_VARS) {
            problems.add(new FieldProblem("(body)", "must have at most " + EnvVarRules.MAX_VARS + " entries (has " + node.size() + ")"));
        }
        List<Var> vars = readVars(node, "", problems);
        if (!problems.isEmpty()) throw ApiException.validation(problems);
        return vars;
    }

    /** {@code PATCH …/env-vars}: {@code {set?: [{key, value, secret?}], unset?: [key]}}; a key may not be in both. */
    public static Patch parsePatch(byte[] body) {
        JsonNode node = Json.parseBody(body);
        if (!node.isObject()) throw ApiException.validation("(body)", "must be a JSON object {set?, unset?}");
        List<FieldProblem> problems = new ArrayList<>();
        unknownFields(node, PATCH_FIELDS, "", problems);

        List<Var> set = List.of();
        JsonNode setNode = node.get("set");
        if (setNode != null && !setNode.isNull()) {
            if (!setNode.isArray()) {
                problems.add(new FieldProblem("set", "must be an array of {key, value, secret?} objects"));
            } else {
                if (setNode.size() > EnvVarRules.MAX_VARS) {
                    problems.add(new FieldProblem("set", "must have at most " + EnvVarRules.MAX_VARS + " entries"));
                }
                set = readVars(setNode, "set", problems);
            }
        }

        Set<String> setKeys = new LinkedHashSet<>();
        set.forEach(v -> setKeys.add(v.key()));
        List<String> unset = new ArrayList<>();
        JsonNode unsetNode = node.get("unset");
        if (unsetNode != null && !unsetNode.isNull()) {
            if (!unsetNode.isArray()) {
                problems.add(new FieldProblem("unset", "must be an array of keys"));
            } else {
                if (unsetNode.size() > EnvVarRules.MAX_VARS) {
                    problems.add(new FieldProblem("unset", "must have at most " + EnvVarRules.MAX_VARS + " entries"));
                }
                Set<String> seen = new LinkedHashSet<>();
                for (int i = 0; i < unsetNode.size(); i++) {
                    String field = "unset[" + i + "]";
                    JsonNode k = unsetNode.get(i);
                    if (!k.isTextual()) {
                        problems.add(new FieldProblem(field, "must be a string"));
                        continue;
                    }
                    String problem = EnvVarRules.keyProblem(k.textValue());
                    if (problem != null) {
                        problems.add(new FieldProblem(field, problem));
                    } else if (setKeys.contains(k.textValue())) {
                        problems.add(new FieldProblem(field, "is also in set: a key is either set or unset"));
                    } else if (seen.add(k.textValue())) {
                        unset.add(k.textValue());
                    }
                }
            }
        }
        if (!problems.isEmpty()) throw ApiException.validation(problems);
        return new Patch(set, unset);
    }

    /** Reads an array of variables, adding a problem for each bad field; answers only the good entries. */
    private static List<Var> readVars(JsonNode array, String prefix, List<FieldProblem> problems) {
        List<Var> vars = new ArrayList<>();
        Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < array.size(); i++) {
            String at = prefix + "[" + i + "]";
            JsonNode item = array.get(i);
            if (!item.isObject()) {
                problems.add(new FieldProblem(at, "must be an object {key, value, secret?}"));
                continue;
            }
            int before = problems.size();
            unknownFields(item, VAR_FIELDS, at + ".", problems);

            String key = null;
            JsonNode k = item.get("key");
            if (k == null || k.isNull()) {
                problems.add(new FieldProblem(at + ".key", "is required"));
            } else if (!k.isTextual()) {
                problems.add(new FieldProblem(at + ".key", "must be a string"));
            } else {
                String problem = EnvVarRules.keyProblem(k.textValue());
                if (problem != null) {
                    problems.add(new FieldProblem(at + ".key", problem));
                } else {
                    key = k.textValue();
                    Integer first = firstIndex.putIfAbsent(key, i);
                    if (first != null) problems.add(new FieldProblem(at + ".key", "duplicates " + prefix + "[" + first + "].key"));
                }
            }

            String value = null;
            JsonNode v = item.get("value");
            if (v == null || v.isNull()) {
                problems.add(new FieldProblem(at + ".value", "is required"));
            } else if (!v.isTextual()) {
                problems.add(new FieldProblem(at + ".value", "must be a string"));
            } else {
                String problem = EnvVarRules.valueProblem(v.textValue());
                if (problem != null) problems.add(new FieldProblem(at + ".value", problem));
                else value = v.textValue();
            }

            boolean secret = false;
            JsonNode s = item.get("secret");
            if (s != null && !s.isNull()) {
                if (!s.isBoolean()) problems.add(new FieldProblem(at + ".secret", "must be a boolean"));
                else secret = s.booleanValue();
            }
            if (problems.size() == before) vars.add(new Var(key, value, secret));
        }
        return vars;
    }

    private static void unknownFields(JsonNode object, Set<String> known, String prefix, List<FieldProblem> problems) {
        Iterator<String> names = object.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) problems.add(new FieldProblem(prefix + name, "is not a known field"));
        }
    }
}
