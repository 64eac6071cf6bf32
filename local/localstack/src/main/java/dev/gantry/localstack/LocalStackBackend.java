package dev.gantry.localstack;

import dev.gantry.emulators.AwsBackend;
import dev.gantry.emulators.Backends;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceExistsException;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * One LocalStack container per JVM (DynamoDB with its streams, SQS, Secrets Manager), started on
 * first use and shared by every test class of the run; Testcontainers removes it when the JVM
 * ends. Every service answers on the one edge endpoint. {@link #close()} leaves it running: the
 * next test class reuses it.
 */
final class LocalStackBackend implements AwsBackend {
    /** Pinned, so a run is repeatable; {@value #IMAGE_PROPERTY} overrides it. */
    static final String DEFAULT_IMAGE = "localstack/localstack:4.7.0";
    static final String IMAGE_PROPERTY = "gantry.localstack.image";
    /** DynamoDB Streams is its own API (the local server relays the outbox from the table's stream); older LocalStacks back it with Kinesis. */
    static final List<String> SERVICES = List.of("dynamodb", "dynamodbstreams", "kinesis", "sqs", "secretsmanager");
    /** The credentials the functions use locally (GantryConfig.local()); LocalStack puts "local" in its default account. */
    private static final StaticCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));

    private static LocalStackBackend shared;

    private final LocalStackContainer container;
    private final URI endpoint;

    private LocalStackBackend(LocalStackContainer container) {
        this.container = container;
        this.endpoint = container.getEndpoint();
    }

    /** The container of this JVM, started on the first call. */
    static synchronized LocalStackBackend shared() {
        if (shared == null) {
            LocalStackContainer container = container(image(System.getProperty(IMAGE_PROPERTY)), System.getenv("LOCALSTACK_AUTH_TOKEN"));
            System.out.println("[gantry] localstack backend: starting " + container.getDockerImageName() + " (" + String.join(", ", SERVICES) + ")");
            container.start();
            shared = new LocalStackBackend(container);
            System.out.println("[gantry] localstack backend: " + shared.endpoint + " (one container for every test class of this JVM)");
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "gantry-localstack-stop"));
        }
        return shared;
    }

    static String image(String configured) {
        return configured == null || configured.isBlank() ? DEFAULT_IMAGE : configured.trim();
    }

    /** The container, configured but not started (constructing one already needs Docker). */
    private static LocalStackContainer container(String image, String authToken) {
        return new LocalStackContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("localstack/localstack"))
                .withServices(SERVICES.toArray(String[]::new))
                .withEnv(environment(authToken));
    }

    /** An auth token in the environment (newer LocalStack images want one) is passed on to the container, never printed. */
    static Map<String, String> environment(String authToken) {
        return authToken == null || authToken.isBlank() ? Map.of() : Map.of("LOCALSTACK_AUTH_TOKEN", authToken.trim());
    }

    @Override
    public Backends.Kind kind() { return Backends.Kind.LOCALSTACK; }

    @Override
    public URI dynamoEndpoint() { return endpoint; }

    @Override
    public URI sqsEndpoint() { return endpoint; }

    @Override
    public URI secretsEndpoint() { return endpoint; }

    /** Through the real Secrets Manager API: CreateSecret, or PutSecretValue when the secret exists (a second server, a second class). */
    @Override
    public void putSecrets(String region, Map<String, String> secrets) {
        try (SecretsManagerClient sm = SecretsManagerClient.builder().httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(region)).credentialsProvider(CREDENTIALS).endpointOverride(endpoint).build()) {
            secrets.forEach((name, value) -> {
                try {
                    sm.createSecret(r -> r.name(name).secretString(value));
                } catch (ResourceExistsException e) {
                    sm.putSecretValue(r -> r.secretId(name).secretString(value));
                }
            });
        }
    }

    /** Shared for the whole JVM: stopped by the shutdown hook (and Testcontainers' reaper), not by one user. */
    @Override
    public void close() {}
}
