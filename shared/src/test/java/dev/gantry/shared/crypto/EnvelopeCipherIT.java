package dev.gantry.shared.crypto;

import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.crypto.DecryptionFailedException.Reason;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.secrets.KeyRing;
import dev.gantry.shared.secrets.MasterKeys;
import dev.gantry.shared.secrets.SecretStore;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.testing.DynamoCallCounter;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvelopeCipherIT {
    private static final String SECRET = "ghp_super-secret-token-value-0123456789";
    private static final String MASTER_ID = "gantry/master-key";

    private static Aad aad(String ws) {
        return Aad.of(ws, "env_var", "env_01j9aaaaaaaaaaaaaaaaaaaaaa/GITHUB_TOKEN", "value");
    }

    /** Another container over the same table: its own, empty caches. */
    private static EnvelopeCipher container(Wiring w, SecretStore secrets) {
        return new EnvelopeCipher(new DataKeyRepository(w.table(), w.clock()), new MasterKeys(secrets, w.config())::dataKeyWrapping, w.clock());
    }

    private static SecretStore withMaster(String masterValue) {
        Map<String, String> values = new HashMap<>(TestStack.SECRETS);
        values.put(MASTER_ID, masterValue);
        return values::get;
    }

    private static List<Map<String, AttributeValue>> dataKeyItems(Wiring w, String ws) {
        return w.table().query(b -> b.keyConditionExpression("pk = :pk AND begins_with(sk, :p)").consistentRead(true)
                .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.workspacePk(ws)), ":p", Attr.s("DATAKEY#")))).items();
    }

    @Test
    void roundTripStoresOnlyWrappedKeys() {
        Wiring w = TestStack.newWiring();
        assertThat(w.envelope()).isSameAs(w.envelope());
        String ws = Ids.newId("ws");
        String ct = w.envelope().encrypt(SECRET, aad(ws));
        assertThat(w.envelope().decrypt(ct, aad(ws))).isEqualTo(SECRET);
        assertThat(container(w, TestStack.secrets()).decrypt(ct, aad(ws))).isEqualTo(SECRET);

        String dekId = EnvelopeCipher.dataKeyIdOf(ct);
        Map<String, AttributeValue> key = w.table().get(Keys.dataKey(ws, dekId), true);
        Map<String, AttributeValue> pointer = w.table().get(Keys.currentDataKey(ws), true);
        assertThat(Attr.str(key, "type")).isEqualTo("data_key");
        assertThat(Attr.str(key, "id")).isEqualTo(dekId);
        assertThat(Attr.str(key, "master_key_version")).isEqualTo("k0");
        assertThat(Attr.str(key, "wrap_alg")).isEqualTo("A256GCM");
        assertThat(Hmac.fromBase64Url(Attr.str(key, "wrapped_key"))).hasSize(12 + 32 + 16);
        assertThat(Attr.str(pointer, "type")).isEqualTo("data_key_pointer");
        assertThat(Attr.str(pointer, "dek_id")).isEqualTo(dekId);
        assertThat(Attr.str(pointer, "wrapped_key")).isEqualTo(Attr.str(key, "wrapped_key"));
        assertThat(key.toString() + pointer).doesNotContain(SECRET);
    }

    @Test
    void concurrentFirstEncryptionsInstallOneDataKey() throws Exception {
        Wiring w = TestStack.newWiring();
        int threads = 12;
        AtomicInteger lost = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 5; round++) {
                String ws = Ids.newId("ws");
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<String>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    // half the threads share one container's cipher, half are containers of their own
                    EnvelopeCipher cipher = t % 2 == 0 ? w.envelope()
                            : new EnvelopeCipher(losses(new DataKeyRepository(w.table(), w.clock()), lost),
                                    new MasterKeys(TestStack.secrets(), w.config())::dataKeyWrapping, w.clock());
                    String value = SECRET + "-" + t;
                    results.add(pool.submit(() -> {
                        start.await();
                        return cipher.encrypt(value, aad(ws));
                    }));
                }
                List<String> cts = new ArrayList<>();
                for (Future<String> f : results) cts.add(f.get());

                assertThat(cts.stream().map(EnvelopeCipher::dataKeyIdOf).distinct()).hasSize(1);
                List<Map<String, AttributeValue>> items = dataKeyItems(w, ws);
                assertThat(items).extracting(i -> Attr.str(i, "type")).containsExactlyInAnyOrder("data_key", "data_key_pointer");
                EnvelopeCipher reader = container(w, TestStack.secrets());
                for (int t = 0; t < threads; t++) assertThat(reader.decrypt(cts.get(t), aad(ws))).isEqualTo(SECRET + "-" + t);
            }
            // the race really happened: some first encryptions lost the conditional write and used the winner's key
            assertThat(lost.get()).isPositive();
        } finally {
            pool.shutdownNow();
        }
    }

    /** The repository, counting the creations that lost to another writer. */
    private static DataKeyStore losses(DataKeyRepository repo, AtomicInteger lost) {
        return new DataKeyStore() {
            @Override public WrappedDataKey current(String ws) { return repo.current(ws); }
            @Override public WrappedDataKey get(String ws, String id) { return repo.get(ws, id); }
            @Override public List<WrappedDataKey> list(String ws) { return repo.list(ws); }
            @Override public boolean rewrap(WrappedDataKey b, WrappedDataKey a) { return repo.rewrap(b, a); }
            @Override public boolean addCurrent(WrappedDataKey key, String expected) {
                boolean ok = repo.addCurrent(key, expected);
                if (!ok) lost.incrementAndGet();
                return ok;
            }
        };
    }

    @Test
    void workspacesHaveTheirOwnKeysAndCannotReadEachOther() {
        Wiring w = TestStack.newWiring();
        String a = Ids.newId("ws");
        String b = Ids.newId("ws");
        String ctA = w.envelope().encrypt(SECRET, aad(a));
        String ctB = w.envelope().encrypt(SECRET, aad(b));
        assertThat(EnvelopeCipher.dataKeyIdOf(ctA)).isNotEqualTo(EnvelopeCipher.dataKeyIdOf(ctB));

        // a ciphertext copied into the same item of the other workspace: warm and cold containers refuse it
        for (EnvelopeCipher c : List.of(w.envelope(), container(w, TestStack.secrets()))) {
            assertFails(c, ctA, aad(b), Reason.UNKNOWN_DATA_KEY);
            assertFails(c, ctB, aad(a), Reason.UNKNOWN_DATA_KEY);
        }

        // even with A's data key item copied into B's partition (write access to the table)
        Map<String, AttributeValue> keyA = new HashMap<>(w.table().get(Keys.dataKey(a, EnvelopeCipher.dataKeyIdOf(ctA)), true));
        keyA.putAll(Keys.dataKey(b, EnvelopeCipher.dataKeyIdOf(ctA)));
        w.table().client().putItem(p -> p.tableName(w.table().name()).item(keyA));
        assertFails(container(w, TestStack.secrets()), ctA, aad(b), Reason.DATA_KEY_UNWRAP_FAILED);

        // each still reads its own
        assertThat(w.envelope().decrypt(ctA, aad(a))).isEqualTo(SECRET);
        assertThat(w.envelope().decrypt(ctB, aad(b))).isEqualTo(SECRET);
    }

    @Test
    void masterKeyRotationKeepsOldValuesAndWrapsNewKeysUnderK1() {
        Wiring before = TestStack.newWiring();
        String ws1 = Ids.newId("ws");
        String old = before.envelope().encrypt(SECRET, aad(ws1));

        String rotated = KeyRing.rotatedValue(TestStack.SECRETS.get(MASTER_ID), "k1", Hmac.randomBytes(32));
        Wiring after = new Wiring(before.config(), Clock.systemUTC(), withMaster(rotated), List.of());
        assertThat(after.envelope().decrypt(old, aad(ws1))).isEqualTo(SECRET);

        String ws2 = Ids.newId("ws");
        String fresh = after.envelope().encrypt(SECRET, aad(ws2));
        Map<String, AttributeValue> newKey = after.table().get(Keys.dataKey(ws2, EnvelopeCipher.dataKeyIdOf(fresh)), true);
        assertThat(Attr.str(newKey, "master_key_version")).isEqualTo("k1");
        assertThat(Attr.str(after.table().get(Keys.currentDataKey(ws2), true), "master_key_version")).isEqualTo("k1");
        String oldDek = EnvelopeCipher.dataKeyIdOf(old);
        assertThat(Attr.str(after.table().get(Keys.dataKey(ws1, oldDek), true), "master_key_version")).isEqualTo("k0");

        // a container still on the old secret value cannot unwrap a k1 data key
        assertFails(container(before, TestStack.secrets()), fresh, aad(ws2), Reason.UNKNOWN_MASTER_KEY_VERSION);

        // rewrap moves ws1's key (and its pointer) to k1; then k0 can leave the ring
        assertThat(after.envelope().rewrap(ws1)).isEqualTo(1);
        assertThat(after.envelope().rewrap(ws1)).isZero();
        assertThat(dataKeyItems(after, ws1)).extracting(i -> Attr.str(i, "master_key_version")).containsOnly("k1");
        String k1Only = rotated.replaceAll("\"k0\":\"[^\"]*\",?", "");
        assertThat(KeyRing.parse(k1Only).get("k0")).isNull();
        EnvelopeCipher k1Container = container(after, withMaster(k1Only));
        assertThat(k1Container.decrypt(old, aad(ws1))).isEqualTo(SECRET);
        assertThat(k1Container.decrypt(fresh, aad(ws2))).isEqualTo(SECRET);
        assertThat(k1Container.decrypt(k1Container.encrypt("x", aad(ws1)), aad(ws1))).isEqualTo("x");
    }

    @Test
    void dynamoCallsPerOperation() {
        DynamoCallCounter calls = new DynamoCallCounter();
        Wiring w = TestStack.newWiring(Clock.systemUTC(), calls);
        String ws = Ids.newId("ws");

        calls.reset();
        String first = w.envelope().encrypt(SECRET, aad(ws));
        assertThat(calls.operations()).as("first encryption of a workspace").containsExactly("GetItem", "TransactWriteItems");

        calls.reset();
        String second = w.envelope().encrypt(SECRET, aad(ws));
        assertThat(w.envelope().decrypt(first, aad(ws))).isEqualTo(SECRET);
        assertThat(w.envelope().decrypt(second, aad(ws))).isEqualTo(SECRET);
        assertThat(calls.operations()).as("warm encrypt and decrypt").isEmpty();

        EnvelopeCipher cold = container(w, TestStack.secrets());
        calls.reset();
        assertThat(cold.decrypt(first, aad(ws))).isEqualTo(SECRET);
        assertThat(calls.operations()).as("first decrypt in a container").containsExactly("GetItem");
        calls.reset();
        for (int i = 0; i < 5; i++) cold.decrypt(second, aad(ws));
        assertThat(calls.count()).as("warm decrypt").isZero();
        cold.encrypt(SECRET, aad(ws));
        assertThat(calls.operations()).as("first encrypt in a container (reads the current pointer)").containsExactly("GetItem");
        calls.reset();
        cold.encrypt(SECRET, aad(ws));
        assertThat(calls.count()).as("warm encrypt").isZero();

        EnvelopeCipher another = container(w, TestStack.secrets());
        calls.reset();
        another.encrypt(SECRET, aad(ws));
        another.decrypt(first, aad(ws));
        assertThat(calls.operations()).as("encrypt warms decrypt of the same key").containsExactly("GetItem");

        calls.reset();
        assertFails(another, first, aad(Ids.newId("ws")), Reason.UNKNOWN_DATA_KEY);
        assertThat(calls.operations()).as("unknown key: one read, nothing written").containsExactly("GetItem");
    }

    private static void assertFails(EnvelopeCipher c, String ct, Aad aad, Reason reason) {
        assertThatThrownBy(() -> c.decrypt(ct, aad)).isInstanceOf(DecryptionFailedException.class)
                .extracting(e -> ((DecryptionFailedException) e).reason()).isEqualTo(reason);
    }
}
