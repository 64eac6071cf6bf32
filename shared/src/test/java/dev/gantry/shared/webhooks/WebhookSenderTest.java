package dev.gantry.shared.webhooks;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pinned sender over TLS: it connects to the address the guard checked, yet presents the URL's
 * name for SNI and verifies the certificate against that name, and sends it as Host. A certificate
 * for another name fails the handshake. (The guard is bypassed here: the receiver is on loopback.)
 */
class WebhookSenderTest {
    static HttpsServer server;
    static SSLContext clientTls;
    static final List<String> hosts = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("hooks.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "hooks", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=hooks.test", "-ext", "SAN=dns:hooks.test", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = new FileInputStream(store.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        server.createContext("/hook", exchange -> {
            hosts.add(exchange.getRequestHeaders().getFirst("Host"));
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    static UrlGuard.Target target(String host) throws Exception {
        int port = server.getAddress().getPort();
        return new UrlGuard.Target(URI.create("https://" + host + ":" + port + "/hook"), true, host, port,
                List.of(InetAddress.getByName("127.0.0.1")));
    }

    @Test
    void connectsToTheCheckedAddressButVerifiesAndSendsTheName() throws Exception {
        var r = new WebhookSender(clientTls).post(target("hooks.test"), Map.of("webhook-id", "msg_1"), "{}", Duration.ofSeconds(5));
        assertThat(r.error()).isNull();
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(hosts).contains("hooks.test:" + server.getAddress().getPort());
    }

    @Test
    void aCertificateForAnotherNameFailsTheHandshake() throws Exception {
        var r = new WebhookSender(clientTls).post(target("other.test"), Map.of(), "{}", Duration.ofSeconds(5));
        assertThat(r.statusCode()).isNull();
        assertThat(r.error()).startsWith("TLS failure");
    }

    @Test
    void anUntrustedCertificateFailsTheHandshake() throws Exception {
        var r = new WebhookSender().post(target("hooks.test"), Map.of(), "{}", Duration.ofSeconds(5));
        assertThat(r.statusCode()).isNull();
        assertThat(r.error()).startsWith("TLS failure");
    }
}
