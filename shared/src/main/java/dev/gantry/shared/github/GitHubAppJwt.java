package dev.gantry.shared.github;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.shared.http.Json;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * The JSON Web Token a GitHub App authenticates itself with (RS256, signed with the App's private
 * key), as GitHub documents it: {@code iat} 60 s in the past against clock drift, {@code exp} 9
 * minutes ahead (GitHub refuses more than 10), {@code iss} the App's id.
 * <p>
 * The private key is accepted as PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}, what GitHub's "Generate a private key" downloads). The JDK reads
 * only PKCS#8, so a PKCS#1 key is wrapped in a PKCS#8 envelope here rather than adding a library.
 * No error message ever includes key material.
 */
final class GitHubAppJwt {
    static final Duration ISSUED_BACKDATE = Duration.ofSeconds(60);
    static final Duration LIFETIME = Duration.ofMinutes(9);

    private static final String PKCS8 = "PRIVATE KEY";
    private static final String PKCS1 = "RSA PRIVATE KEY";
    /** DER of AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }. */
    private static final byte[] RSA_ALGORITHM_ID = {
            0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private GitHubAppJwt() {}

    /** A signed JWT for {@code appId} valid from {@code now - 60 s} to {@code now + 9 min}. */
    static String sign(String appId, PrivateKey key, Instant now) {
        ObjectNode header = Json.mapper().createObjectNode().put("alg", "RS256").put("typ", "JWT");
        ObjectNode claims = Json.mapper().createObjectNode()
                .put("iat", now.minus(ISSUED_BACKDATE).getEpochSecond())
                .put("exp", now.plus(LIFETIME).getEpochSecond())
                .put("iss", appId);
        String signingInput = B64URL.encodeToString(Json.write(header)) + "." + B64URL.encodeToString(Json.write(claims));
        try {
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(key);
            rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + B64URL.encodeToString(rs256.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the GitHub App private key cannot sign RS256 (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Reads a PEM RSA private key, PKCS#8 or PKCS#1. */
    static PrivateKey parsePrivateKey(String pem) {
        if (pem == null) throw badKey();
        String label;
        if (pem.contains("-----BEGIN " + PKCS8 + "-----")) label = PKCS8;
        else if (pem.contains("-----BEGIN " + PKCS1 + "-----")) label = PKCS1;
        else throw badKey();
        int start = pem.indexOf("-----BEGIN " + label + "-----") + ("-----BEGIN " + label + "-----").length();
        int end = pem.indexOf("-----END " + label + "-----", start);
        if (end < 0) throw badKey();
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(start, end).strip());
        } catch (IllegalArgumentException e) {
            throw badKey();
        }
        if (label.equals(PKCS1)) der = wrapPkcs1(der);
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw badKey();
        }
    }

    /** PrivateKeyInfo ::= SEQUENCE { version INTEGER 0, algorithm AlgorithmIdentifier, privateKey OCTET STRING (the PKCS#1 key) }. */
    static byte[] wrapPkcs1(byte[] pkcs1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[]{0x02, 0x01, 0x00});
        body.writeBytes(RSA_ALGORITHM_ID);
        body.write(0x04);
        body.writeBytes(derLength(pkcs1.length));
        body.writeBytes(pkcs1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        out.writeBytes(derLength(body.size()));
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    /** DER definite length: short form below 128, else 0x80|n followed by n big-endian bytes. */
    private static byte[] derLength(int length) {
        if (length < 0x80) return new byte[]{(byte) length};
        int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
        byte[] out = new byte[1 + bytes];
        out[0] = (byte) (0x80 | bytes);
        for (int i = 0; i < bytes; i++) out[bytes - i] = (byte) (length >>> (8 * i));
        return out;
    }

    private static IllegalStateException badKey() {
        return new IllegalStateException("the GitHub App private key is not a PEM RSA key (PKCS#8 or PKCS#1)");
    }
}
