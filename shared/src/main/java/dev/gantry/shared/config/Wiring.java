package dev.gantry.shared.config;

import dev.gantry.shared.auth.AccessTokens;
import dev.gantry.shared.auth.Authenticator;
import dev.gantry.shared.auth.PasswordHasher;
import dev.gantry.shared.auth.RefreshTokens;
import dev.gantry.shared.http.Cursors;
import dev.gantry.shared.identity.ApiKeyRepository;
import dev.gantry.shared.identity.ApiKeyService;
import dev.gantry.shared.identity.AuditLog;
import dev.gantry.shared.identity.AuditRepository;
import dev.gantry.shared.identity.AuthService;
import dev.gantry.shared.identity.MemberRepository;
import dev.gantry.shared.identity.MemberService;
import dev.gantry.shared.identity.SessionRepository;
import dev.gantry.shared.identity.TokenAuthenticator;
import dev.gantry.shared.identity.UserRepository;
import dev.gantry.shared.identity.WorkspaceRepository;
import dev.gantry.shared.identity.WorkspaceService;
import dev.gantry.shared.secrets.MasterKeys;
import dev.gantry.shared.secrets.SecretStore;
import dev.gantry.shared.secrets.SecretsManagerStore;
import dev.gantry.shared.store.Table;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.time.Clock;
import java.util.List;

/**
 * Builds every client and service once per container from one configuration record. Handlers'
 * no-arg constructors call {@link #fromEnvironment()}; tests and the local server build one with
 * their own configuration, clock or interceptors.
 */
public final class Wiring {
    private final GantryConfig config;
    private final Clock clock;
    private final DynamoDbClient dynamo;
    private final Table table;
    private final SecretStore secrets;
    private final MasterKeys keys;
    private final AccessTokens accessTokens;
    private final Cursors cursors;
    private final AuditLog auditLog;
    private final UserRepository users;
    private final WorkspaceRepository workspaces;
    private final MemberRepository members;
    private final SessionRepository sessions;
    private final ApiKeyRepository apiKeys;
    /** The bcrypt decoy hash costs a few hundred ms, which only identity pays. */
    private final Lazy<AuthService> authService;
    /** One per container: it caches unwrapped data this.keys. */
    private final Lazy<dev.gantry.shared.crypto.EnvelopeCipher> envelope;
    /** The JDK HTTP client against the configured base URLs; the client secret is read through the secret store on each exchange. */
    private final Lazy<dev.gantry.shared.github.GitHubOAuthClient> gitHubOAuthClient;
    /** Only identity serves GitHub sign-in. */
    private final Lazy<dev.gantry.shared.identity.GitHubSignInService> gitHubSignIn;
    private volatile dev.gantry.shared.limits.RateLimiter rateLimiter;
    /** The platform's edges; replaceable before first use (tests, the local server). */
    private final Lazy<dev.gantry.shared.queues.QueueSender> queueSender;
    private final Lazy<dev.gantry.shared.compute.Providers> providers;
    private final Lazy<dev.gantry.shared.github.GitHubApp> gitHubApp;
    private final Lazy<dev.gantry.shared.platform.Platform> platform;
    /** What pushes and workflow runs do; a logging stand-in until the deploy service plugs in (replaceable before first use). */
    private final Lazy<dev.gantry.shared.github.DeployEvents> deployEvents;
    /** One per container: it remembers when it last refreshed the webhook secret (the refresh rate limit). */
    private final Lazy<dev.gantry.shared.github.GitHubWebhookVerifier> gitHubWebhookVerifier;
    /** Outbound webhooks: DNS resolver, attempt timeout and clock replaceable before first use (tests). */
    private volatile dev.gantry.shared.webhooks.UrlGuard.HostResolver webhookResolver = dev.gantry.shared.webhooks.UrlGuard.HostResolver.SYSTEM;
    private volatile java.time.Duration webhookAttemptTimeout = dev.gantry.shared.webhooks.Webhooks.ATTEMPT_TIMEOUT;
    private final Lazy<dev.gantry.shared.webhooks.Webhooks> webhooks;
    /** Where metrics go (docs/observability.md): EMF on stdout in Lambda, nowhere in tests and the local server; replaceable before first use. */
    private volatile dev.gantry.shared.observability.Metrics metrics = dev.gantry.shared.observability.Metrics.NONE;

    public Wiring(GantryConfig config, Clock clock, SecretStore secrets, List<ExecutionInterceptor> dynamoInterceptors) {
        this(config, clock, secrets, dynamoInterceptors, UrlConnectionHttpClient.create());
    }

    /** {@code http}: the SDK clients' HTTP client (the SnapStart priming's never opens a connection: see OfflineAws). */
    public Wiring(GantryConfig config, Clock clock, SecretStore secrets, List<ExecutionInterceptor> dynamoInterceptors, SdkHttpClient http) {
        this.config = config;
        this.clock = clock;
        var dynamoBuilder = DynamoDbClient.builder().httpClient(http).region(Region.of(config.region()))
                .credentialsProvider(credentials(config))
                .overrideConfiguration(ClientOverrideConfiguration.builder().executionInterceptors(traced(dynamoInterceptors)).build());
        if (config.dynamoEndpoint() != null) dynamoBuilder.endpointOverride(config.dynamoEndpoint());
        this.dynamo = dynamoBuilder.build();
        this.table = new Table(dynamo, config.tableName());
        this.secrets = secrets != null ? secrets : new SecretsManagerStore(secretsClient(config, http));
        this.keys = new MasterKeys(this.secrets, config);
        this.accessTokens = new AccessTokens(keys::accessTokenKeys, config.accessTokenTtl());
        this.cursors = new Cursors(keys::cursorKeys);
        this.auditLog = new AuditLog(new AuditRepository(table), cursors, clock);
        this.users = new UserRepository(table);
        this.workspaces = new WorkspaceRepository(table, config.publicUrl());
        this.members = new MemberRepository(table);
        this.sessions = new SessionRepository(table);
        this.apiKeys = new ApiKeyRepository(table);
        this.authService = new Lazy<>(() -> new AuthService(table(), this.users, this.workspaces, this.members, this.sessions, this.auditLog,
            new PasswordHasher(config().bcryptCost()), this.accessTokens, new RefreshTokens(this.keys::refreshTokenKeys),
            this.cursors, config().refreshTokenTtl(), clock()));
        this.envelope = new Lazy<>(() -> new dev.gantry.shared.crypto.EnvelopeCipher(
            new dev.gantry.shared.crypto.DataKeyRepository(table(), clock()), this.keys::dataKeyWrapping, clock()));
        this.gitHubOAuthClient = new Lazy<>(() -> new dev.gantry.shared.github.HttpGitHubOAuthClient(
            config().github().webUrl(), config().github().apiUrl(), config().github().clientId(), this.keys::githubOAuthClientSecret));
        this.gitHubSignIn = new Lazy<>(() -> new dev.gantry.shared.identity.GitHubSignInService(
            config().github(), this::gitHubOAuthClient, new dev.gantry.shared.auth.OAuthStates(this.keys::stateKeys),
            new dev.gantry.shared.identity.OAuthStateRepository(table()), authService(), this.users, this::envelope, this.auditLog, clock()));
        this.queueSender = new Lazy<>(() -> new dev.gantry.shared.queues.SqsQueueSender(sqsClient(config, http), config.drivers().queueUrls()));
        this.providers = new Lazy<>(() -> Drivers.providers(config, clock));
        this.gitHubApp = new Lazy<>(() -> Drivers.gitHubApp(config, this.secrets, clock));
        this.deployEvents = new Lazy<>(() -> new dev.gantry.shared.platform.GitHubDeployEvents(this::deployService, this::deployRunner));
        this.gitHubWebhookVerifier = new Lazy<>(() -> new dev.gantry.shared.github.GitHubWebhookVerifier(this.secrets,
            config.githubWebhookSecretId(), clock, dev.gantry.shared.github.GitHubWebhookVerifier.DEFAULT_MIN_REFRESH_INTERVAL));
        this.platform = new Lazy<>(() -> dev.gantry.shared.platform.Platform.over(table(), clock(), this.cursors, this.auditLog,
            new dev.gantry.shared.queues.Outbox(table(), queueSender(), clock()), this::envelope, this.workspaces));
        this.webhooks = new Lazy<>(() -> dev.gantry.shared.webhooks.Webhooks.over(table(), clock(), this.cursors, this.auditLog,
            platform().outbox(), this::envelope, this.workspaces,
            new dev.gantry.shared.webhooks.UrlGuard(webhookResolver, config().drivers().webhooksAllowLoopback()),
            new dev.gantry.shared.webhooks.WebhookSender(), webhookAttemptTimeout, queueSender()));
    }

    // --- outbound webhooks (API.md §11) -----------------------------------------------------------

    public dev.gantry.shared.webhooks.Webhooks webhooks() { return webhooks.get(); }

    /** Emits webhook events inside a caller's transaction: {@code wiring.events().emit(tx, workspaceId, "deploy.succeeded", data)}. */
    public dev.gantry.shared.webhooks.Events events() { return webhooks().events(); }

    public dev.gantry.shared.webhooks.WebhookService webhookService() { return new dev.gantry.shared.webhooks.WebhookService(webhooks()); }

    public dev.gantry.shared.webhooks.WebhookDispatcher webhookDispatcher() { return new dev.gantry.shared.webhooks.WebhookDispatcher(webhooks()); }

    /** Replaces the DNS resolver of the webhook SSRF guard (before first use): tests that change DNS answers. */
    public Wiring webhookResolver(dev.gantry.shared.webhooks.UrlGuard.HostResolver resolver) { this.webhookResolver = resolver; return this; }

    /** Replaces the 10 s attempt timeout (before first use): tests of receivers that never answer. */
    public Wiring webhookAttemptTimeout(java.time.Duration timeout) { this.webhookAttemptTimeout = timeout; return this; }

    // --- the platform (API.md §6–§8) -------------------------------------------------------------

    public dev.gantry.shared.queues.QueueSender queueSender() { return queueSender.get(); }

    public dev.gantry.shared.compute.Providers providers() { return providers.get(); }

    public dev.gantry.shared.github.GitHubApp gitHubApp() { return gitHubApp.get(); }

    public dev.gantry.shared.platform.Platform platform() { return platform.get(); }

    /** Replaces the queue sender (before first use): tests that run the workers themselves. */
    public Wiring queueSender(dev.gantry.shared.queues.QueueSender sender) { queueSender.set(sender); return this; }

    /** Replaces the compute providers (before first use). */
    public Wiring providers(dev.gantry.shared.compute.Providers p) { providers.set(p); return this; }

    /** Replaces the GitHub App client (before first use). */
    public Wiring gitHubApp(dev.gantry.shared.github.GitHubApp app) { gitHubApp.set(app); return this; }

    // --- GitHub webhooks (API.md §10) -------------------------------------------------------------

    /** What the github-events worker calls on pushes and workflow runs. */
    public dev.gantry.shared.github.DeployEvents deployEvents() { return deployEvents.get(); }

    /** Replaces the deploy events (before first use): the deploy service, or a recording fake in tests. */
    public Wiring deployEvents(dev.gantry.shared.github.DeployEvents events) { deployEvents.set(events); return this; }

    public dev.gantry.shared.github.GitHubWebhookVerifier gitHubWebhookVerifier() { return gitHubWebhookVerifier.get(); }

    public dev.gantry.shared.github.GitHubDeliveries gitHubDeliveries() { return new dev.gantry.shared.github.GitHubDeliveries(table); }

    public dev.gantry.shared.github.GitHubIngestService gitHubIngestService() {
        return new dev.gantry.shared.github.GitHubIngestService(table, gitHubDeliveries(), platform().outbox(), clock);
    }

    /** The worker side. Installation events need no user's GitHub token, so none is looked up. */
    public dev.gantry.shared.github.GitHubEventProcessor gitHubEventProcessor() {
        return new dev.gantry.shared.github.GitHubEventProcessor(platform(), gitHubDeliveries(), gitHubInstallService(userId -> null),
            this::deployEvents);
    }

    public dev.gantry.shared.platform.RepoService repoService() {
        return new dev.gantry.shared.platform.RepoService(platform(), config.drivers().skipInstallationCheck());
    }

    public dev.gantry.shared.platform.ComputeTargetService computeTargetService() {
        return new dev.gantry.shared.platform.ComputeTargetService(platform(), providers());
    }

    public dev.gantry.shared.platform.EnvironmentService environmentService() {
        return new dev.gantry.shared.platform.EnvironmentService(platform(), repoService(), computeTargetService());
    }

    public dev.gantry.shared.platform.InstanceService instanceService() {
        return new dev.gantry.shared.platform.InstanceService(platform(), computeTargetService());
    }

    public dev.gantry.shared.platform.GitHubInstallService gitHubInstallService() {
        return gitHubInstallService(userId -> gitHubSignIn().gitHubToken(userId));
    }

    /** {@code userGitHubTokens}: a user id to the GitHub token their GitHub sign-in stored (null: none). */
    public dev.gantry.shared.platform.GitHubInstallService gitHubInstallService(java.util.function.Function<String, String> userGitHubTokens) {
        String base = config.drivers().githubAppId() == null && !config.local() ? null
                : config.github().webUrl().toString().replaceAll("/+$", "") + "/apps/" + config.drivers().githubAppSlug() + "/installations/new";
        return new dev.gantry.shared.platform.GitHubInstallService(platform(), new dev.gantry.shared.auth.OAuthStates(keys::stateKeys),
            this::gitHubApp, userGitHubTokens, base);
    }

    public dev.gantry.shared.envvars.EnvVarService envVarService() {
        return new dev.gantry.shared.envvars.EnvVarService(table, this::envelope, auditLog, clock);
    }

    public dev.gantry.shared.envvars.SecretService secretService() {
        return new dev.gantry.shared.envvars.SecretService(table, this::envelope, auditLog, cursors, clock);
    }

    public dev.gantry.shared.envvars.BindingService bindingService() {
        return new dev.gantry.shared.envvars.BindingService(table, auditLog, clock);
    }

    /** What a deploy injects: env vars and bound secrets merged (the one resolver, API.md §7). */
    public dev.gantry.shared.envvars.EnvResolver envResolver() {
        return new dev.gantry.shared.envvars.EnvResolver(table, this::envelope, auditLog);
    }

    public dev.gantry.shared.platform.JobRunner jobRunner() {
        return new dev.gantry.shared.platform.JobRunner(platform(), computeTargetService(), queueSender(), envVarService(), bindingService());
    }

    public dev.gantry.shared.platform.DeployService deployService() {
        return new dev.gantry.shared.platform.DeployService(platform(), repoService(), environmentService(), this::gitHubApp,
            name -> platform().repos().byFullName(name), metrics);
    }

    public dev.gantry.shared.platform.DeployRunner deployRunner() {
        return new dev.gantry.shared.platform.DeployRunner(platform(), new dev.gantry.shared.platform.Provisioner(platform(), computeTargetService()),
            this::gitHubApp, Drivers.release(config), envResolver(), queueSender(),
            java.time.Duration.ofSeconds(config.drivers().deployStuckAfterSeconds()), metrics);
    }

    public dev.gantry.shared.platform.ScanRunner scanRunner() {
        int receives = dev.gantry.shared.queues.QueueSpec.ALL.stream().filter(q -> q.name().equals("scans")).findFirst().orElseThrow().maxReceiveCount();
        return new dev.gantry.shared.platform.ScanRunner(platform(), this::gitHubApp, queueSender(), receives);
    }

    public static Wiring fromEnvironment() {
        // Millisecond ticks: times on the wire read 2026-11-23T19:19:03.104Z, not nanoseconds.
        return new Wiring(GantryConfig.fromEnvironment(), Clock.tickMillis(java.time.ZoneOffset.UTC), null, List.of())
                .metrics(dev.gantry.shared.observability.EmfMetrics.fromEnvironment());
    }

    public dev.gantry.shared.observability.Metrics metrics() { return metrics; }

    /** Replaces the metrics (before any handler is built on this wiring): tests that read the EMF output. */
    public Wiring metrics(dev.gantry.shared.observability.Metrics m) { this.metrics = m; return this; }

    public GantryConfig config() { return config; }
    public Clock clock() { return clock; }
    public DynamoDbClient dynamo() { return dynamo; }
    public Table table() { return table; }
    public SecretStore secrets() { return secrets; }
    public Cursors cursors() { return cursors; }
    public AuditLog auditLog() { return auditLog; }

    public Authenticator authenticator() {
        return new TokenAuthenticator(accessTokens, apiKeys, keys::apiKeyPepper, auditLog, table, clock);
    }

    /**
     * The rate limits (docs/rate-limits.md): token buckets in the table, one per container (it
     * remembers the buckets it has seen, to predict which conditional write to send).
     */
    public dev.gantry.shared.limits.RateLimiter rateLimiter() {
        dev.gantry.shared.limits.RateLimiter l = rateLimiter;
        if (l == null) {
            synchronized (this) {
                if (rateLimiter == null) rateLimiter = tokenBucketLimiter(dev.gantry.shared.limits.RateLimitPolicy.CLIENT_IP);
                l = rateLimiter;
            }
        }
        return l;
    }

    /** The token bucket limiter with another size for the per-address buckets (the workspace buckets follow the plans). */
    public dev.gantry.shared.limits.RateLimiter tokenBucketLimiter(dev.gantry.shared.limits.RateLimitPolicy clientAddressPolicy) {
        return new dev.gantry.shared.limits.TokenBucketLimiter(new dev.gantry.shared.limits.TokenBuckets(table, clock, workspaceId -> {
            var ws = workspaces.get(workspaceId, true);
            return dev.gantry.shared.limits.RateLimitPolicy.forPlan(ws == null ? dev.gantry.shared.plans.Plan.FREE : ws.plan());
        }), clientAddressPolicy);
    }

    /**
     * Replaces the rate limiter, before any handler is built on this wiring (tests: see TestStack,
     * and {@link dev.gantry.shared.limits.RateLimiter#NONE} for tests of other rules that send
     * hundreds of requests from one workspace).
     */
    public Wiring rateLimiter(dev.gantry.shared.limits.RateLimiter limiter) {
        this.rateLimiter = limiter;
        return this;
    }

    public dev.gantry.shared.idempotency.IdempotencyStore idempotency() {
        return new dev.gantry.shared.idempotency.IdempotencyStore(table, this::envelope, clock);
    }

    public ApiKeyService apiKeyService() {
        return new ApiKeyService(table, apiKeys, auditLog, cursors, keys::apiKeyPepper, clock, platform().events());
    }

    public AuthService authService() {
        return authService.get();
    }

    public dev.gantry.shared.crypto.EnvelopeCipher envelope() {
        return envelope.get();
    }

    public dev.gantry.shared.github.GitHubOAuthClient gitHubOAuthClient() {
        return gitHubOAuthClient.get();
    }

    public dev.gantry.shared.identity.GitHubSignInService gitHubSignIn() {
        return gitHubSignIn.get();
    }

    public WorkspaceService workspaceService() {
        return new WorkspaceService(table, workspaces, auditLog, clock);
    }

    public MemberService memberService() {
        return new MemberService(table, users, workspaces, members, auditLog, cursors, clock);
    }

    /** {@code interceptors} and, when tracing is on (in Lambda), the X-Ray interceptor that records each call as a subsegment. */
    private static List<ExecutionInterceptor> traced(List<ExecutionInterceptor> interceptors) {
        List<ExecutionInterceptor> tracing = dev.gantry.shared.observability.Tracing.sdkInterceptors();
        if (tracing.isEmpty()) return interceptors;
        List<ExecutionInterceptor> all = new java.util.ArrayList<>(interceptors);
        all.addAll(tracing);
        return all;
    }

    private static AwsCredentialsProvider credentials(GantryConfig config) {
        // Locally the emulators accept any key; in Lambda the runtime puts credentials in the environment,
        // which is much faster to read on a cold start than the default provider chain.
        return config.local()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                : EnvironmentVariableCredentialsProvider.create();
    }

    private static software.amazon.awssdk.services.sqs.SqsClient sqsClient(GantryConfig config, SdkHttpClient http) {
        var b = software.amazon.awssdk.services.sqs.SqsClient.builder().httpClient(http).region(Region.of(config.region()))
                .credentialsProvider(credentials(config))
                .overrideConfiguration(ClientOverrideConfiguration.builder().executionInterceptors(traced(List.of())).build());
        if (config.sqsEndpoint() != null) b.endpointOverride(config.sqsEndpoint());
        return b.build();
    }

    private static SecretsManagerClient secretsClient(GantryConfig config, SdkHttpClient http) {
        var b = SecretsManagerClient.builder().httpClient(http).region(Region.of(config.region())).credentialsProvider(credentials(config))
                .overrideConfiguration(ClientOverrideConfiguration.builder().executionInterceptors(traced(List.of())).build());
        if (config.secretsEndpoint() != null) b.endpointOverride(config.secretsEndpoint());
        return b.build();
    }
}
