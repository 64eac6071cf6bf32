package dev.gantry.shared.envvars;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class EnvVarServiceIT {
    private static EnvFixture f;

    @BeforeAll
    static void setUp() {
        f = new EnvFixture();
    }

    private static List<EnvVarInput.Var> vars(int n, int secretEvery, String valuePrefix) {
        List<EnvVarInput.Var> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new EnvVarInput.Var(String.format("VAR_%03d", i), valuePrefix + i, secretEvery > 0 && i % secretEvery == 0));
        return out;
    }

    private static ApiException error(Runnable r) {
        return catchThrowableOfType(ApiException.class, r::run);
    }

    @Test
    void put500With50SecretsThenReplaceWith10() {
        String env = f.environment();
        var saved = f.envVars.replace(f.ws, env, null, vars(500, 10, "value-"), f.caller);
        assertThat(saved.version()).isEqualTo(1);
        assertThat(saved.vars()).hasSize(500);

        f.calls.reset();
        var listed = f.envVars.list(f.ws, env);
        assertThat(f.calls.operations()).startsWith("GetItem").allMatch(op -> op.equals("GetItem") || op.equals("Query"));
        assertThat(listed.version()).isEqualTo(1);
        assertThat(listed.vars()).hasSize(500);
        assertThat(listed.vars().stream().filter(EnvVarService.EnvVarView::secret)).hasSize(50)
                .allMatch(v -> v.value().equals("***"));
        assertThat(listed.vars().get(1)).isEqualTo(new EnvVarService.EnvVarView("VAR_001", "value-1", false));
        assertThat(f.envVars.reveal(f.ws, env, "VAR_010", f.caller).value()).isEqualTo("value-10");
        // at rest: secrets are ciphertext only
        List<Map<String, AttributeValue>> items = f.allVarItems(env);
        assertThat(items).hasSize(500);
        assertThat(items.stream().filter(i -> Attr.flag(i, "secret"))).hasSize(50)
                .allMatch(i -> i.get("value") == null && Attr.str(i, "value_ct").startsWith("v1."));

        var replaced = f.envVars.replace(f.ws, env, 1L, vars(10, 0, "new-"), f.caller);
        assertThat(replaced.version()).isEqualTo(2);
        var after = f.envVars.list(f.ws, env);
        assertThat(after.vars()).extracting(EnvVarService.EnvVarView::key).containsExactly(
                "VAR_000", "VAR_001", "VAR_002", "VAR_003", "VAR_004", "VAR_005", "VAR_006", "VAR_007", "VAR_008", "VAR_009");
        assertThat(after.vars()).allMatch(v -> !v.secret() && v.value().startsWith("new-"));
        // the superseded set is unreachable and expires by TTL (a day: readers that followed the old pointer finish first)
        items = f.allVarItems(env);
        long live = items.stream().filter(i -> !i.containsKey(Keys.TTL)).count();
        assertThat(live).isEqualTo(10);
        long now = f.w.clock().instant().getEpochSecond();
        assertThat(items.stream().filter(i -> i.containsKey(Keys.TTL))).hasSize(500)
                .allMatch(i -> Math.abs(Attr.num(i, Keys.TTL) - (now + 86_400)) < 120);
        assertThat(Attr.num(f.envItem(env), "ver")).isEqualTo(1); // the environment's own version is not ours
    }

    @Test
    void aCrashBetweenTheBatchWritesAndTheSwapLeavesTheOldSetFullyVisible() {
        String env = f.environment();
        f.envVars.replace(f.ws, env, null, vars(60, 3, "old-"), f.caller);
        f.crash.armed = true;
        assertThatThrownBy(() -> f.envVars.replace(f.ws, env, 1L, vars(120, 2, "new-"), f.caller)).isNotInstanceOf(ApiException.class);
        var listed = f.envVars.list(f.ws, env);
        assertThat(listed.version()).isEqualTo(1);
        assertThat(listed.vars()).hasSize(60).allMatch(v -> v.secret() ? v.value().equals("***") : v.value().startsWith("old-"));
        // the new set's items were written (orphans: the pointer never named them, so no reader sees them)
        assertThat(f.allVarItems(env)).hasSize(180);
        assertThat(f.audit("env_vars.replaced").stream().filter(a -> a.target().id().equals(env))).hasSize(1);
        // and the next write works from the old set
        assertThat(f.envVars.patch(f.ws, env, 1L, new EnvVarInput.Patch(List.of(), List.of("VAR_000")), f.caller).vars()).hasSize(59);
    }

    @Test
    void twoConcurrentReplacesWithTheSameExpectedVersionOneWinsOneGets412() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 4; round++) {
                String env = f.environment();
                f.envVars.replace(f.ws, env, null, vars(5, 0, "base-"), f.caller);
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<Object>> results = new ArrayList<>();
                for (String prefix : List.of("a-", "b-")) {
                    results.add(pool.submit(() -> {
                        start.await();
                        try {
                            return f.envVars.replace(f.ws, env, 1L, vars(40, 4, prefix), f.caller);
                        } catch (ApiException e) {
                            return e;
                        }
                    }));
                }
                List<Object> outcomes = new ArrayList<>();
                for (Future<Object> r : results) outcomes.add(r.get());
                assertThat(outcomes.stream().filter(o -> o instanceof EnvVarService.EnvVarSet)).hasSize(1);
                assertThat(outcomes.stream().filter(o -> o instanceof ApiException e && e.status() == 412 && e.code().equals("precondition_failed")))
                        .hasSize(1);
                var winner = (EnvVarService.EnvVarSet) outcomes.stream().filter(o -> o instanceof EnvVarService.EnvVarSet).findFirst().orElseThrow();
                var listed = f.envVars.list(f.ws, env);
                assertThat(listed).isEqualTo(winner);
                String prefix = listed.vars().get(1).value().substring(0, 2);
                assertThat(listed.vars()).allMatch(v -> v.secret() || v.value().startsWith(prefix)); // never a mix
                // the loser removed what it wrote: only the winner's set is live (the base set expires by TTL)
                assertThat(f.allVarItems(env).stream().filter(i -> !i.containsKey(Keys.TTL))).hasSize(40);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void patchSetsAndUnsetsAndCopiesUntouchedSecretCiphertexts() {
        String env = f.environment();
        f.envVars.replace(f.ws, env, null, List.of(new EnvVarInput.Var("KEEP_SECRET", "s3cr3t-keep", true),
                new EnvVarInput.Var("CHANGE_SECRET", "s3cr3t-old", true), new EnvVarInput.Var("PLAIN", "p", false),
                new EnvVarInput.Var("GONE", "g", false)), f.caller);
        Map<String, String> before = ciphertexts(env);

        var patched = f.envVars.patch(f.ws, env, 1L, new EnvVarInput.Patch(List.of(new EnvVarInput.Var("CHANGE_SECRET", "s3cr3t-new", true),
                new EnvVarInput.Var("ADDED", "a", false)), List.of("GONE", "NEVER_THERE")), f.caller);
        assertThat(patched.version()).isEqualTo(2);
        assertThat(patched.vars()).extracting(EnvVarService.EnvVarView::key).containsExactly("ADDED", "CHANGE_SECRET", "KEEP_SECRET", "PLAIN");
        Map<String, String> after = ciphertexts(env);
        assertThat(after.get("KEEP_SECRET")).isEqualTo(before.get("KEEP_SECRET"));
        assertThat(after.get("CHANGE_SECRET")).isNotEqualTo(before.get("CHANGE_SECRET"));
        assertThat(f.envVars.reveal(f.ws, env, "KEEP_SECRET", f.caller).value()).isEqualTo("s3cr3t-keep");
        assertThat(f.envVars.reveal(f.ws, env, "CHANGE_SECRET", f.caller).value()).isEqualTo("s3cr3t-new");

        var audit = f.audit("env_vars.updated").stream().filter(a -> a.target().id().equals(env)).findFirst().orElseThrow();
        assertThat(audit.metadata()).isEqualTo(Map.of("set", List.of("ADDED", "CHANGE_SECRET"), "unset", List.of("GONE")));
        String allAudit = Json.writeString(f.w.auditLog().list(f.ws, null, 100, null));
        assertThat(allAudit).doesNotContain("s3cr3t");
    }

    /** key → value_ct of the current set, read raw. */
    private static Map<String, String> ciphertexts(String env) {
        String set = Attr.str(f.envItem(env), "env_vars_set");
        Map<String, String> out = new java.util.HashMap<>();
        for (var i : f.allVarItems(env)) {
            if (Attr.str(i, Keys.PK).equals(Keys.envVarSetPk(env, set)) && Attr.flag(i, "secret")) out.put(Attr.str(i, "key"), Attr.str(i, "value_ct"));
        }
        return out;
    }

    @Test
    void versionsAndLimits() {
        String env = f.environment();
        assertThat(f.envVars.list(f.ws, env)).isEqualTo(new EnvVarService.EnvVarSet(0, List.of()));
        ApiException stale = error(() -> f.envVars.replace(f.ws, env, 3L, vars(1, 0, "x"), f.caller));
        assertThat(stale.status()).isEqualTo(412);
        assertThat(stale.code()).isEqualTo("precondition_failed");
        assertThat(f.envItem(env)).doesNotContainKey("env_vars_version");

        f.envVars.replace(f.ws, env, 0L, vars(500, 0, "v"), f.caller);
        ApiException tooMany = error(() -> f.envVars.patch(f.ws, env, null,
                new EnvVarInput.Patch(List.of(new EnvVarInput.Var("ONE_MORE", "x", false)), List.of()), f.caller));
        assertThat(tooMany.code()).isEqualTo("validation_error");
        assertThat(Json.writeString(tooMany.details())).contains("\"field\":\"set\"").contains("501");
        // replacing one key with another keeps the count
        assertThat(f.envVars.patch(f.ws, env, 1L, new EnvVarInput.Patch(List.of(new EnvVarInput.Var("ONE_MORE", "x", false)),
                List.of("VAR_000")), f.caller).vars()).hasSize(500);
        ApiException stalePatch = error(() -> f.envVars.patch(f.ws, env, 1L, new EnvVarInput.Patch(List.of(), List.of("VAR_001")), f.caller));
        assertThat(stalePatch.status()).isEqualTo(412);
        assertThat(f.envVars.list(f.ws, env).version()).isEqualTo(2);
        // an empty PUT is a real version with no variables
        assertThat(f.envVars.replace(f.ws, env, 2L, List.of(), f.caller)).isEqualTo(new EnvVarService.EnvVarSet(3, List.of()));
    }

    @Test
    void revealDecryptsAndIsAudited() {
        String env = f.environment();
        f.envVars.replace(f.ws, env, null, List.of(new EnvVarInput.Var("API_TOKEN", "tok-123", true), new EnvVarInput.Var("MODE", "fast", false)),
                f.caller);
        var revealed = f.envVars.reveal(f.ws, env, "API_TOKEN", f.caller);
        assertThat(revealed).isEqualTo(new EnvVarService.Revealed("API_TOKEN", "tok-123"));
        assertThat(revealed.toString()).doesNotContain("tok-123");
        var entry = f.audit("env_var.revealed").stream().filter(a -> a.target().id().equals(env + "/API_TOKEN")).findFirst().orElseThrow();
        assertThat(entry.target().type()).isEqualTo("env_var");
        assertThat(entry.actor().id()).isEqualTo(f.caller.principal().actorId());
        assertThat(Json.writeString(entry)).doesNotContain("tok-123");

        assertThat(error(() -> f.envVars.reveal(f.ws, env, "MISSING", f.caller)).code()).isEqualTo("env_var_not_found");
        assertThat(error(() -> f.envVars.reveal(f.ws, env, "not a key", f.caller)).code()).isEqualTo("env_var_not_found");
        var replacedAudit = f.audit("env_vars.replaced").stream().filter(a -> a.target().id().equals(env)).findFirst().orElseThrow();
        assertThat(replacedAudit.metadata()).isEqualTo(Map.of("keys", List.of("API_TOKEN", "MODE"), "removed", List.of()));
    }

    @Test
    void environmentsOfOtherWorkspacesMissingOrDeletingAre404() {
        String other = f.environment(Ids.newId("ws"), "production", "production");
        String deleting = f.environment();
        f.markDeleting(deleting);
        for (String env : List.of(other, deleting, Ids.newId("env"), "not-an-id")) {
            for (Runnable r : List.<Runnable>of(
                    () -> f.envVars.list(f.ws, env),
                    () -> f.envVars.replace(f.ws, env, null, vars(1, 0, "x"), f.caller),
                    () -> f.envVars.patch(f.ws, env, null, new EnvVarInput.Patch(List.of(), List.of()), f.caller),
                    () -> f.envVars.reveal(f.ws, env, "A", f.caller),
                    () -> f.bindings.create(f.ws, env, "DB_URL", null, f.caller),
                    () -> f.bindings.list(f.ws, env),
                    () -> f.resolver.resolve(f.ws, env, false, f.caller))) {
                ApiException e = error(r);
                assertThat(e.status()).isEqualTo(404);
                assertThat(e.code()).isEqualTo("environment_not_found");
            }
        }
        assertThat(f.allVarItems(other)).isEmpty();
    }

    @Test
    void callCounts() {
        String env = f.environment();
        f.envVars.replace(f.ws, env, null, vars(3, 0, "warm"), f.caller); // warms the data key cache
        f.calls.reset();
        f.envVars.replace(f.ws, env, null, vars(30, 10, "v"), f.caller);
        // GetItem env, Query old set, Query aliases, 2 × BatchWriteItem (30 items), TransactWriteItems (swap + audit), BatchWriteItem (expire old)
        assertThat(f.calls.operations()).containsExactly("GetItem", "Query", "Query", "BatchWriteItem", "BatchWriteItem", "TransactWriteItems",
                "BatchWriteItem");
        f.calls.reset();
        f.envVars.list(f.ws, env);
        assertThat(f.calls.operations()).containsExactly("GetItem", "Query");
        f.calls.reset();
        f.resolver.resolve(f.ws, env, false, f.caller);
        assertThat(f.calls.operations()).containsExactly("GetItem", "Query", "Query", "GetItem"); // no bindings: no BatchGetItem
    }

    @Test
    void aLostSwapDeletesWhatItWroteThenRetriesWithoutIfMatchOrAnswers412WithIt() {
        String env = f.environment();
        f.envVars.replace(f.ws, env, null, vars(3, 0, "base-"), f.caller);
        // without If-Match: another write commits between our batch writes and our swap; we retry from its set
        f.crash.interloper = () -> f.envVars.replace(f.ws, env, null, vars(7, 0, "other-"), f.caller);
        var patched = f.envVars.patch(f.ws, env, null, new EnvVarInput.Patch(List.of(new EnvVarInput.Var("MINE", "m", false)), List.of()), f.caller);
        assertThat(patched.version()).isEqualTo(3);
        assertThat(patched.vars()).hasSize(8).allMatch(v -> v.key().equals("MINE") || v.value().startsWith("other-"));
        assertThat(f.allVarItems(env).stream().filter(i -> !i.containsKey(Keys.TTL))).hasSize(8); // the lost attempt's items are gone

        // with If-Match: the same race is 412, and nothing of ours stays
        f.crash.interloper = () -> f.envVars.replace(f.ws, env, null, vars(2, 0, "third-"), f.caller);
        ApiException stale = error(() -> f.envVars.replace(f.ws, env, 3L, vars(50, 5, "mine-"), f.caller));
        assertThat(stale.status()).isEqualTo(412);
        assertThat(f.envVars.list(f.ws, env).vars()).hasSize(2).allMatch(v -> v.value().startsWith("third-"));
        assertThat(f.allVarItems(env).stream().filter(i -> !i.containsKey(Keys.TTL))).hasSize(2);
        assertThat(f.audit("env_vars.replaced").stream().filter(a -> a.target().id().equals(env))).hasSize(3);
    }
}
