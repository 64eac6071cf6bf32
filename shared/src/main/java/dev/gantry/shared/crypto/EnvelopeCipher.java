package dev.gantry.shared.crypto;

import dev.gantry.shared.crypto.DecryptionFailedException.Reason;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.secrets.KeyRing;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Envelope encryption of secret values at rest (env vars, shared secrets, provider tokens, webhook
 * signing secrets, GitHub user tokens).
 * <ul>
 * <li>Values: AES-256-GCM under the workspace's data key (DEK), a random 96-bit IV per encryption,
 *     a 128-bit tag, and associated data binding the value to its workspace, item and field
 *     ({@link Aad}).</li>
 * <li>DEKs: 256 random bits per workspace, created on the workspace's first encryption, stored
 *     wrapped (AES-256-GCM) under the current version of {@code MasterKeys.dataKeyWrapping()}, with
 *     that version's id. The wrapping's associated data names the workspace, the DEK id and the
 *     master version, so a DEK item copied to another workspace does not unwrap.</li>
 * <li>Ciphertext: {@code v1.<dek_id>.<base64url(iv | ciphertext | tag)>} — it names its DEK, the DEK
 *     item names its master key version, so decrypting never guesses.</li>
 * </ul>
 * Unwrapped DEKs are cached per container (bounded LRU; plaintext values never are), so a warm
 * encrypt or decrypt costs no DynamoDB call. DynamoDB calls: first encrypt in a container 1 GetItem
 * (the workspace's first ever: + 1 TransactWriteItems; a lost creation race: + 1 more GetItem);
 * first decrypt of a DEK in a container 1 GetItem; warm: 0. The current-DEK pointer is re-read
 * after {@code currentKeyTtl}, so a DEK rotation reaches warm containers.
 * <p>
 * Every failure to decrypt is a {@link DecryptionFailedException} whose message holds no secret.
 * Nothing here logs.
 */
public final class EnvelopeCipher {
    public static final String FORMAT_VERSION = "v1";
    public static final String DATA_KEY_ID_PREFIX = "dek";
    public static final int DEFAULT_MAX_CACHED_KEYS = 1024;
    public static final Duration DEFAULT_CURRENT_KEY_TTL = Duration.ofMinutes(5);

    static final int IV_BYTES = 12;
    static final int TAG_BITS = 128;
    static final int TAG_BYTES = TAG_BITS / 8;
    static final int KEY_BYTES = 32;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final byte[] WRAP_DOMAIN = "gantry/envelope-data-key".getBytes(StandardCharsets.UTF_8);
    private static final int CREATE_ATTEMPTS = 5;

    private final DataKeyStore store;
    private final Supplier<KeyRing> wrappingKeys;
    private final Clock clock;
    private final long currentKeyTtlMillis;
    /** (workspace, DEK id) → unwrapped DEK. DEKs never change, so entries never go stale. */
    private final Map<String, SecretKey> dataKeys;
    /** workspace → its current DEK, re-read after the TTL. */
    private final Map<String, Current> currentKeys;

    private record Current(String id, SecretKey key, long expiresAtMillis) {}

    /** A usable, unwrapped data key. */
    private record DataKey(String id, SecretKey key) {}

    public EnvelopeCipher(DataKeyStore store, Supplier<KeyRing> wrappingKeys, Clock clock) {
        this(store, wrappingKeys, clock, DEFAULT_MAX_CACHED_KEYS, DEFAULT_CURRENT_KEY_TTL);
    }

    /**
     * @param wrappingKeys {@code masterKeys::dataKeyWrapping}: read only when a DEK is created,
     *                     unwrapped (cache miss) or rewrapped
     */
    public EnvelopeCipher(DataKeyStore store, Supplier<KeyRing> wrappingKeys, Clock clock, int maxCachedKeys, Duration currentKeyTtl) {
        if (maxCachedKeys < 1) throw new IllegalArgumentException("maxCachedKeys must be positive");
        this.store = store;
        this.wrappingKeys = wrappingKeys;
        this.clock = clock;
        this.currentKeyTtlMillis = currentKeyTtl.toMillis();
        this.dataKeys = lru(maxCachedKeys);
        this.currentKeys = lru(maxCachedKeys);
    }

    // ---------------------------------------------------------------- values

    /** Encrypts a UTF-8 string under the workspace's current DEK (created on first use). */
    public String encrypt(String plaintext, Aad aad) {
        if (plaintext == null) throw new IllegalArgumentException("plaintext must not be null");
        return encrypt(plaintext.getBytes(StandardCharsets.UTF_8), aad);
    }

    public String encrypt(byte[] plaintext, Aad aad) {
        if (plaintext == null) throw new IllegalArgumentException("plaintext must not be null");
        if (aad == null) throw new IllegalArgumentException("aad must not be null");
        DataKey dek = currentKey(aad.workspaceId());
        byte[] iv = Hmac.randomBytes(IV_BYTES);
        byte[] sealed;
        try {
            Cipher c = Cipher.getInstance(TRANSFORMATION);
            c.init(Cipher.ENCRYPT_MODE, dek.key(), new GCMParameterSpec(TAG_BITS, iv));
            c.updateAAD(aad.bytes(FORMAT_VERSION, dek.id()));
            sealed = c.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
        byte[] body = new byte[IV_BYTES + sealed.length];
        System.arraycopy(iv, 0, body, 0, IV_BYTES);
        System.arraycopy(sealed, 0, body, IV_BYTES, sealed.length);
        return FORMAT_VERSION + "." + dek.id() + "." + Hmac.base64Url(body);
    }

    /** Decrypts what {@link #encrypt(String, Aad)} produced with the same {@code aad}. */
    public String decrypt(String ciphertext, Aad aad) {
        byte[] plain = decryptBytes(ciphertext, aad);
        return new String(plain, StandardCharsets.UTF_8);
    }

    public byte[] decryptBytes(String ciphertext, Aad aad) {
        if (aad == null) throw new IllegalArgumentException("aad must not be null");
        Parsed p = parse(ciphertext, aad.workspaceId());
        DataKey dek = keyById(aad.workspaceId(), p.dataKeyId());
        try {
            Cipher c = Cipher.getInstance(TRANSFORMATION);
            c.init(Cipher.DECRYPT_MODE, dek.key(), new GCMParameterSpec(TAG_BITS, p.body(), 0, IV_BYTES));
            c.updateAAD(aad.bytes(FORMAT_VERSION, dek.id()));
            return c.doFinal(p.body(), IV_BYTES, p.body().length - IV_BYTES);
        } catch (AEADBadTagException e) {
            throw new DecryptionFailedException(Reason.AUTHENTICATION_FAILED, aad.workspaceId(), p.dataKeyId());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** True when {@code value} has the shape of one of this class's ciphertexts (says nothing of its validity). */
    public static boolean isCiphertext(String value) {
        try {
            parse(value, null);
            return true;
        } catch (DecryptionFailedException e) {
            return false;
        }
    }

    /** The DEK id a ciphertext names (e.g. to find values still under an old DEK); null when malformed. */
    public static String dataKeyIdOf(String ciphertext) {
        try {
            return parse(ciphertext, null).dataKeyId();
        } catch (DecryptionFailedException e) {
            return null;
        }
    }

    record Parsed(String dataKeyId, byte[] body) {}

    static Parsed parse(String ciphertext, String workspaceId) {
        if (ciphertext == null) throw new DecryptionFailedException(Reason.MALFORMED, workspaceId, null);
        int first = ciphertext.indexOf('.');
        int second = first < 0 ? -1 : ciphertext.indexOf('.', first + 1);
        if (first < 0 || second < 0 || ciphertext.indexOf('.', second + 1) >= 0) {
            throw new DecryptionFailedException(Reason.MALFORMED, workspaceId, null);
        }
        if (!FORMAT_VERSION.equals(ciphertext.substring(0, first))) {
            throw new DecryptionFailedException(Reason.UNSUPPORTED_VERSION, workspaceId, null);
        }
        String dekId = ciphertext.substring(first + 1, second);
        if (!Ids.isValid(DATA_KEY_ID_PREFIX, dekId)) throw new DecryptionFailedException(Reason.MALFORMED, workspaceId, null);
        String encoded = ciphertext.substring(second + 1);
        byte[] body = Hmac.fromBase64Url(encoded);
        // canonical encoding only: otherwise the unused low bits of the last character could be changed unnoticed
        if (body == null || body.length < IV_BYTES + TAG_BYTES || !Hmac.base64Url(body).equals(encoded)) {
            throw new DecryptionFailedException(Reason.MALFORMED, workspaceId, dekId);
        }
        return new Parsed(dekId, body);
    }

    // ---------------------------------------------------------------- data keys

    /**
     * Wraps every DEK of the workspace that is not under the current master key version again under
     * it (after a master key rotation, so the old version can eventually leave the ring). Values are
     * untouched: they stay encrypted under the same DEKs. Answers how many DEKs were rewrapped.
     * A maintenance operation (one Query plus a few writes per DEK), never for a request path.
     */
    public int rewrap(String workspaceId) {
        KeyRing ring = wrappingKeys.get();
        KeyRing.Version target = ring.current();
        int rewrapped = 0;
        for (WrappedDataKey stored : store.list(workspaceId)) {
            WrappedDataKey before = stored;
            for (int attempt = 0; attempt < CREATE_ATTEMPTS && before != null && !target.id().equals(before.masterKeyVersion()); attempt++) {
                byte[] raw = unwrap(ring, before);
                try {
                    WrappedDataKey after = before.withWrapping(target.id(), wrap(target, workspaceId, before.id(), raw));
                    if (store.rewrap(before, after)) {
                        rewrapped++;
                        break;
                    }
                } finally {
                    Arrays.fill(raw, (byte) 0);
                }
                before = store.get(workspaceId, stored.id());
            }
        }
        return rewrapped;
    }

    /**
     * Makes a new DEK the workspace's current one (new encryptions use it; warm containers switch
     * within {@code currentKeyTtl}); older DEKs stay, so existing values still decrypt. Re-encrypting
     * existing values under the new DEK is the owning repository's job. Answers the new DEK's id.
     */
    public String rotateDataKey(String workspaceId) {
        WrappedDataKey previous = store.current(workspaceId);
        byte[] raw = Hmac.randomBytes(KEY_BYTES);
        try {
            WrappedDataKey created = newWrapped(workspaceId, raw);
            if (!store.addCurrent(created, previous == null ? null : previous.id())) {
                throw new IllegalStateException("The workspace's data key changed concurrently; try again.");
            }
            remember(workspaceId, created.id(), new SecretKeySpec(raw, "AES"), true);
            return created.id();
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private DataKey currentKey(String workspaceId) {
        long now = clock.millis();
        Current cached = currentKeys.get(workspaceId);
        if (cached != null && cached.expiresAtMillis() > now) return new DataKey(cached.id(), cached.key());

        WrappedDataKey stored = store.current(workspaceId);
        if (stored == null) return createFirst(workspaceId);
        SecretKey key = dataKeys.get(cacheKey(workspaceId, stored.id()));
        if (key == null) key = unwrapToKey(wrappingKeys.get(), stored);
        remember(workspaceId, stored.id(), key, true);
        return new DataKey(stored.id(), key);
    }

    /** The workspace's first DEK: exactly one wins; a loser uses the winner's. */
    private DataKey createFirst(String workspaceId) {
        byte[] raw = Hmac.randomBytes(KEY_BYTES);
        try {
            WrappedDataKey created = newWrapped(workspaceId, raw);
            for (int attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
                if (store.addCurrent(created, null)) {
                    SecretKey key = new SecretKeySpec(raw, "AES");
                    remember(workspaceId, created.id(), key, true);
                    return new DataKey(created.id(), key);
                }
                WrappedDataKey winner = store.current(workspaceId);
                if (winner != null) {
                    SecretKey key = unwrapToKey(wrappingKeys.get(), winner);
                    remember(workspaceId, winner.id(), key, true);
                    return new DataKey(winner.id(), key);
                }
                backOff(attempt); // a transaction conflict where neither side committed: try again
            }
            throw new IllegalStateException("Could not create the workspace's data key; try again.");
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private DataKey keyById(String workspaceId, String dataKeyId) {
        SecretKey key = dataKeys.get(cacheKey(workspaceId, dataKeyId));
        if (key != null) return new DataKey(dataKeyId, key);
        WrappedDataKey stored = store.get(workspaceId, dataKeyId);
        if (stored == null) throw new DecryptionFailedException(Reason.UNKNOWN_DATA_KEY, workspaceId, dataKeyId);
        key = unwrapToKey(wrappingKeys.get(), stored);
        remember(workspaceId, dataKeyId, key, false);
        return new DataKey(dataKeyId, key);
    }

    private WrappedDataKey newWrapped(String workspaceId, byte[] raw) {
        String id = Ids.newId(DATA_KEY_ID_PREFIX, clock.instant());
        KeyRing.Version master = wrappingKeys.get().current();
        return new WrappedDataKey(workspaceId, id, master.id(), wrap(master, workspaceId, id, raw), clock.instant());
    }

    private void remember(String workspaceId, String dataKeyId, SecretKey key, boolean current) {
        dataKeys.put(cacheKey(workspaceId, dataKeyId), key);
        if (current) currentKeys.put(workspaceId, new Current(dataKeyId, key, clock.millis() + currentKeyTtlMillis));
    }

    private SecretKey unwrapToKey(KeyRing ring, WrappedDataKey stored) {
        byte[] raw = unwrap(ring, stored);
        try {
            return new SecretKeySpec(raw, "AES");
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    static byte[] wrap(KeyRing.Version master, String workspaceId, String dataKeyId, byte[] raw) {
        byte[] iv = Hmac.randomBytes(IV_BYTES);
        try {
            Cipher c = Cipher.getInstance(TRANSFORMATION);
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(master.key(), "AES"), new GCMParameterSpec(TAG_BITS, iv));
            c.updateAAD(Aad.encode(WRAP_DOMAIN, workspaceId, dataKeyId, master.id()));
            byte[] sealed = c.doFinal(raw);
            byte[] out = new byte[IV_BYTES + sealed.length];
            System.arraycopy(iv, 0, out, 0, IV_BYTES);
            System.arraycopy(sealed, 0, out, IV_BYTES, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    static byte[] unwrap(KeyRing ring, WrappedDataKey stored) {
        byte[] master = ring.get(stored.masterKeyVersion());
        if (master == null) {
            throw new DecryptionFailedException(Reason.UNKNOWN_MASTER_KEY_VERSION, stored.workspaceId(), stored.id());
        }
        byte[] w = stored.wrapped();
        if (w == null || w.length != IV_BYTES + KEY_BYTES + TAG_BYTES) {
            throw new DecryptionFailedException(Reason.DATA_KEY_UNWRAP_FAILED, stored.workspaceId(), stored.id());
        }
        try {
            Cipher c = Cipher.getInstance(TRANSFORMATION);
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(master, "AES"), new GCMParameterSpec(TAG_BITS, w, 0, IV_BYTES));
            c.updateAAD(Aad.encode(WRAP_DOMAIN, stored.workspaceId(), stored.id(), stored.masterKeyVersion()));
            return c.doFinal(w, IV_BYTES, w.length - IV_BYTES);
        } catch (AEADBadTagException e) {
            throw new DecryptionFailedException(Reason.DATA_KEY_UNWRAP_FAILED, stored.workspaceId(), stored.id());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    private static String cacheKey(String workspaceId, String dataKeyId) {
        return workspaceId + '\u0000' + dataKeyId;
    }

    private static void backOff(int attempt) {
        try {
            Thread.sleep(5L * (attempt + 1) + (long) (Math.random() * 10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating a data key", e);
        }
    }

    private static <V> Map<String, V> lru(int max) {
        return Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > max;
            }
        });
    }
}
