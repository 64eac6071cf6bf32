package dev.gantry.emulators;

import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Amazon's DynamoDB Local and ElasticMQ, started inside this JVM on loopback ports. Both speak
 * the real wire protocols, so the application talks to them with the real AWS SDK clients.
 * The default {@link AwsBackend} ({@link Backends}).
 */
public final class Emulators implements AwsBackend {
    private static final String[] NATIVES = {"libsqlite4java-linux-amd64.so", "libsqlite4java-osx.dylib"};

    private final DynamoDBProxyServer dynamo;
    private final SQSRestServer sqs;
    private final URI dynamoEndpoint;
    private final URI sqsEndpoint;

    private Emulators(DynamoDBProxyServer dynamo, URI dynamoEndpoint, SQSRestServer sqs, URI sqsEndpoint) {
        this.dynamo = dynamo;
        this.dynamoEndpoint = dynamoEndpoint;
        this.sqs = sqs;
        this.sqsEndpoint = sqsEndpoint;
    }

    /**
     * Starts both. {@code dataDir} null keeps DynamoDB in memory; otherwise its database file lives
     * there and survives a restart. Ports 0 pick free ports.
     */
    public static Emulators start(Path dataDir, int dynamoPort, int sqsPort) {
        ensureNativeLibrary(dataDir);
        int dPort = dynamoPort == 0 ? freePort() : dynamoPort;
        int sPort = sqsPort == 0 ? freePort() : sqsPort;
        DynamoDBProxyServer dynamo;
        try {
            String[] args = dataDir == null
                    ? new String[]{"-inMemory", "-port", String.valueOf(dPort), "-disableTelemetry", "-sharedDb"}
                    : new String[]{"-dbPath", dataDir.toAbsolutePath().toString(), "-port", String.valueOf(dPort), "-disableTelemetry", "-sharedDb"};
            dynamo = ServerRunner.createServerFromCommandLineArgs(args);
            dynamo.start();
        } catch (Exception e) {
            throw new IllegalStateException("DynamoDB Local did not start: " + e.getMessage(), e);
        }
        SQSRestServer sqs = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(sPort).start();
        sqs.waitUntilStarted();
        return new Emulators(dynamo, URI.create("http://127.0.0.1:" + dPort), sqs, URI.create("http://127.0.0.1:" + sPort));
    }

    @Override
    public Backends.Kind kind() { return Backends.Kind.EMBEDDED; }

    @Override
    public URI dynamoEndpoint() { return dynamoEndpoint; }

    @Override
    public URI sqsEndpoint() { return sqsEndpoint; }

    @Override
    public void close() {
        try {
            sqs.stopAndWait();
        } finally {
            try {
                dynamo.stop();
            } catch (Exception ignored) {
                // shutting down anyway
            }
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * sqlite4java needs its native library on disk. When the build already set
     * {@code sqlite4java.library.path} (tests), that is used; otherwise the copies inside this jar
     * are unpacked once, next to the data or in a temporary folder.
     */
    static synchronized void ensureNativeLibrary(Path dataDir) {
        String configured = System.getProperty("sqlite4java.library.path");
        if (configured != null && Files.isDirectory(Path.of(configured))) return;
        try {
            Path dir = dataDir != null ? dataDir.resolve(".natives") : Files.createTempDirectory("gantry-natives");
            Files.createDirectories(dir);
            for (String name : NATIVES) {
                try (InputStream in = Emulators.class.getResourceAsStream("/sqlite4java-natives/" + name)) {
                    if (in != null) Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            System.setProperty("sqlite4java.library.path", dir.toAbsolutePath().toString());
        } catch (IOException e) {
            throw new UncheckedIOException("could not unpack the sqlite4java native library", e);
        }
    }
}
