package dev.gantry.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A function jar as measured: size, entries, classes, digest, and which HTTP clients it carries
 * (DESIGN.md principle 7: the SDK's url-connection client, Apache and Netty excluded).
 *
 * @param function the function (directory under functions/) the jar was built from
 * @param label    null for the jar under test, else the label of a compared build
 * @param httpClients the HTTP client implementations found in the jar, by name
 */
public record JarInfo(String function, String label, Path source, long bytes, int entries, int classes, String sha256,
                      List<String> httpClients, boolean cracApi) {

    /** Package prefix (jar path) of each HTTP client implementation the SDK or a library could bring. */
    static final Map<String, String> HTTP_CLIENTS = knownHttpClients();

    private static Map<String, String> knownHttpClients() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("software/amazon/awssdk/http/urlconnection/", "SDK url-connection");
        m.put("software/amazon/awssdk/http/apache/", "SDK Apache");
        m.put("software/amazon/awssdk/http/apache5/", "SDK Apache 5");
        m.put("software/amazon/awssdk/http/nio/netty/", "SDK Netty");
        m.put("software/amazon/awssdk/http/crt/", "SDK CRT");
        m.put("org/apache/http/", "Apache HttpClient 4");
        m.put("org/apache/hc/", "Apache HttpClient 5");
        m.put("io/netty/", "Netty");
        m.put("software/amazon/awssdk/crt/", "AWS CRT (native)");
        return m;
    }

    public static JarInfo of(String function, String label, Path source, Path copy) {
        try (ZipFile zip = new ZipFile(copy.toFile())) {
            int entries = 0;
            int classes = 0;
            boolean crac = false;
            List<String> clients = new ArrayList<>();
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                entries++;
                if (name.endsWith(".class")) classes++;
                if (name.startsWith("org/crac/")) crac = true;
                for (Map.Entry<String, String> c : HTTP_CLIENTS.entrySet()) {
                    if (name.startsWith(c.getKey()) && !clients.contains(c.getValue())) clients.add(c.getValue());
                }
            }
            return new JarInfo(function, label, source, Files.size(copy), entries, classes, sha256(copy), List.copyOf(clients), crac);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + copy + ": " + e.getMessage(), e);
        }
    }

    public double mebibytes() {
        return bytes / (1024.0 * 1024);
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
