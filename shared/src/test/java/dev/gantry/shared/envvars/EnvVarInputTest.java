package dev.gantry.shared.envvars;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class EnvVarInputTest {
    private static byte[] b(String json) {
        return json.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> problems(ApiException e) {
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("validation_error");
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Map<String, Object> f : (List<Map<String, Object>>) e.details().get("fields")) out.put((String) f.get("field"), (String) f.get("problem"));
        return out;
    }

    @Test
    void putReadsVariablesWithSecretDefaultingToFalse() {
        var vars = EnvVarInput.parsePut(b("[{'key':'A','value':'1'},{'key':'_B9','value':'','secret':true}]"));
        assertThat(vars).containsExactly(new EnvVarInput.Var("A", "1", false), new EnvVarInput.Var("_B9", "", true));
        assertThat(vars.get(1).toString()).doesNotContain("value=\"").contains("_B9");
    }

    @Test
    void putReportsEveryProblemInOne400() {
        String big = "x".repeat(EnvVarRules.MAX_VALUE_BYTES + 1);
        String json = "[{'key':'lower','value':'v'},"            // 0: bad key
                + "{'key':'A','value':1},"                       // 1: value not a string
                + "{'key':'A','value':'qqq-secret'},"                   // 2: duplicate key
                + "{'key':'B','value':'" + big + "'},"          // 3: value too big
                + "{'key':'C','value':'v','secret':'yes','x':1}," // 4: secret not boolean, unknown field
                + "{'value':'v'},"                               // 5: key missing
                + "'str',"                                       // 6: not an object
                + "{'key':'" + "K".repeat(257) + "','value':'v'}," // 7: key too long
                + "{'key':'9AB','value':'v'}]";                  // 8: starts with a digit
        var p = problems(catchThrowableOfType(ApiException.class, () -> EnvVarInput.parsePut(b(json))));
        assertThat(p).containsOnlyKeys("[0].key", "[1].value", "[2].key", "[3].value", "[4].secret", "[4].x", "[5].key", "[6]", "[7].key", "[8].key");
        assertThat(p.get("[2].key")).contains("[1].key").doesNotContain("qqq");
        assertThat(p.get("[3].value")).contains("32768");
        assertThat(p.values()).noneMatch(s -> s.contains("xxxx"));
    }

    @Test
    void putValueLimitIsInUtf8Bytes() {
        String okAscii = "a".repeat(EnvVarRules.MAX_VALUE_BYTES);
        assertThat(EnvVarInput.parsePut(Json.write(List.of(Map.of("key", "A", "value", okAscii))))).hasSize(1);
        String tooBigUtf8 = "é".repeat(EnvVarRules.MAX_VALUE_BYTES / 2 + 1); // 2 bytes each
        var p = problems(catchThrowableOfType(ApiException.class,
                () -> EnvVarInput.parsePut(Json.write(List.of(Map.of("key", "A", "value", tooBigUtf8))))));
        assertThat(p).containsOnlyKeys("[0].value");
    }

    @Test
    void putRejectsMoreThan500AndNonArraysAndNonJson() {
        List<Map<String, Object>> many = new ArrayList<>();
        for (int i = 0; i < 501; i++) many.add(Map.of("key", "K" + i, "value", "v"));
        assertThat(problems(catchThrowableOfType(ApiException.class, () -> EnvVarInput.parsePut(Json.write(many))))).containsOnlyKeys("(body)");
        assertThat(problems(catchThrowableOfType(ApiException.class, () -> EnvVarInput.parsePut(b("{'key':'A','value':'v'}"))))).containsOnlyKeys("(body)");
        ApiException malformed = catchThrowableOfType(ApiException.class, () -> EnvVarInput.parsePut(b("[{'key':")));
        assertThat(malformed.code()).isEqualTo("malformed_json");
        List<Map<String, Object>> five = new ArrayList<>(many.subList(0, 500));
        assertThat(EnvVarInput.parsePut(Json.write(five))).hasSize(500);
    }

    @Test
    void patchReadsSetAndUnset() {
        var p = EnvVarInput.parsePatch(b("{'set':[{'key':'A','value':'1','secret':true}],'unset':['B','B','C']}"));
        assertThat(p.set()).containsExactly(new EnvVarInput.Var("A", "1", true));
        assertThat(p.unset()).containsExactly("B", "C");
        assertThat(EnvVarInput.parsePatch(b("{}"))).isEqualTo(new EnvVarInput.Patch(List.of(), List.of()));
    }

    @Test
    void patchReportsEveryProblemInOne400() {
        var p = problems(catchThrowableOfType(ApiException.class, () -> EnvVarInput.parsePatch(b(
                "{'set':[{'key':'A','value':'1'},{'key':'a','value':'2'},{'key':'B','value':null}],'unset':['A','b',3],'extra':true}"))));
        assertThat(p).containsOnlyKeys("extra", "set[1].key", "set[2].value", "unset[0]", "unset[1]", "unset[2]");
        assertThat(p.get("unset[0]")).contains("also in set");
        assertThat(problems(catchThrowableOfType(ApiException.class, () -> EnvVarInput.parsePatch(b("{'set':{},'unset':'A'}")))))
                .containsOnlyKeys("set", "unset");
        assertThat(problems(catchThrowableOfType(ApiException.class, () -> EnvVarInput.parsePatch(b("[]"))))).containsOnlyKeys("(body)");
    }

    @Test
    void secretAndBindingBodies() {
        var c = SecretInput.parseCreate(b("{'key':'DB_URL','value':'postgres://x','scope':'all'}"));
        assertThat(c.key()).isEqualTo("DB_URL");
        assertThat(c.toString()).doesNotContain("postgres");
        var p = problems(catchThrowableOfType(ApiException.class, () -> SecretInput.parseCreate(b("{'key':'db','scope':'prod','x':1}"))));
        assertThat(p).containsOnlyKeys("key", "value", "scope", "x");
        assertThat(SecretInput.parseUpdate(b("{'value':'new'}"))).isEqualTo("new");
        assertThat(SecretInput.parseBinding(b("{'secret_key':'DB_URL'}"))).isEqualTo(new SecretInput.CreateBinding("DB_URL", null));
        assertThat(problems(catchThrowableOfType(ApiException.class, () -> SecretInput.parseBinding(b("{'secret_key':'x','alias':'1A'}")))))
                .containsOnlyKeys("secret_key", "alias");
    }

    @Test
    void secretViewJsonHasNoVersionAndNoValue() {
        String json = Json.writeString(new SecretService.SecretView("sec_1", "K", "all", "t1", "t2", 7));
        assertThat(json).isEqualTo("{\"id\":\"sec_1\",\"key\":\"K\",\"scope\":\"all\",\"created_at\":\"t1\",\"updated_at\":\"t2\"}");
    }
}
