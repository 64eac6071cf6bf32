package dev.gantry.tests;

import dev.gantry.client.ApiClient;
import dev.gantry.client.ApiException;
import dev.gantry.client.ApiResponse;
import dev.gantry.client.api.ApiKeysApi;
import dev.gantry.client.api.AuthApi;
import dev.gantry.client.api.ComputeTargetsApi;
import dev.gantry.client.api.DeploysApi;
import dev.gantry.client.api.EnvironmentsApi;
import dev.gantry.client.api.ReposApi;
import dev.gantry.client.api.SubscriptionApi;
import dev.gantry.client.api.WorkspaceApi;
import dev.gantry.client.model.ApiKey;
import dev.gantry.client.model.ApiKeyCreateRequest;
import dev.gantry.client.model.ApiKeyCreated;
import dev.gantry.client.model.ComputeTarget;
import dev.gantry.client.model.ComputeTargetCreateRequest;
import dev.gantry.client.model.Deploy;
import dev.gantry.client.model.DeployCreateRequest;
import dev.gantry.client.model.DeployList;
import dev.gantry.client.model.DeployLogLine;
import dev.gantry.client.model.DeployStatus;
import dev.gantry.client.model.Environment;
import dev.gantry.client.model.EnvironmentCreateRequest;
import dev.gantry.client.model.Error;
import dev.gantry.client.model.LoginRequest;
import dev.gantry.client.model.Me;
import dev.gantry.client.model.Ok;
import dev.gantry.client.model.PlanName;
import dev.gantry.client.model.ProviderName;
import dev.gantry.client.model.Repo;
import dev.gantry.client.model.RepoCreateRequest;
import dev.gantry.client.model.Role;
import dev.gantry.client.model.SignupRequest;
import dev.gantry.client.model.SignupResponse;
import dev.gantry.client.model.SubscriptionChangeRequest;
import dev.gantry.client.model.TokenPair;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * One whole scenario driven only through the Java client that openapi-generator writes from
 * openapi.yaml at build time (module tests/generated-client): sign up → log in → /v1/me → upgrade →
 * an admin API key → connect a repo (scan) → compute target → environment (its VM) → deploy the
 * branch head to succeeded with logs → a second deploy by sha, replayed by its Idempotency-Key →
 * list deploys page by page → errors as the client's ApiException with the error envelope → log out.
 * If the document and the server disagree on a path, a parameter, a status or a field, this fails.
 */
class GeneratedClientIT {
    private static final String ID = "[0-9a-hjkmnp-tv-z]{26}";

    /** The generated client against the local server, sending {@code token} (when not null) as a bearer credential. */
    private static ApiClient client(String token) {
        ApiClient client = new ApiClient();
        client.updateBaseUri(LocalGantry.server().baseUrl().toString());
        client.setReadTimeout(Duration.ofSeconds(30));
        if (token != null) client.setRequestInterceptor(b -> b.header("Authorization", "Bearer " + token));
        return client;
    }

    /** A call through the generated client, for polling. */
    private interface Call<T> {
        T run() throws ApiException;
    }

    /** Polls until {@code done} holds; the deadline only stops a broken run (no timing assertion). */
    private static <T> T await(String what, Call<T> call, Predicate<T> done) throws ApiException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (true) {
            T value = call.run();
            if (done.test(value)) return value;
            assertThat(Instant.now()).as("still waiting on %s: %s", what, value).isBefore(deadline);
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static boolean over(Deploy d) {
        return List.of(DeployStatus.SUCCEEDED, DeployStatus.FAILED, DeployStatus.CANCELLED, DeployStatus.SUPERSEDED).contains(d.getStatus());
    }

    /** The error envelope of an {@link ApiException}, read with the generated {@link Error} model; its request id is the header's. */
    private static Error envelope(ApiClient client, ApiException e, int status, String code) {
        assertThat(e).as("an ApiException for %d %s", status, code).isNotNull();
        assertThat(e.getCode()).as(e.getResponseBody()).isEqualTo(status);
        Error error;
        try {
            error = client.getObjectMapper().readValue(e.getResponseBody(), Error.class);
        } catch (IOException io) {
            throw new UncheckedIOException(io);
        }
        assertThat(error.getError()).isEqualTo(code);
        assertThat(error.getMessage()).isNotBlank();
        assertThat(error.getRequestId()).matches("req_" + ID).isEqualTo(e.getResponseHeaders().firstValue("x-request-id").orElseThrow());
        return error;
    }

    @Test
    void signupToDeployAndLogout() throws ApiException {
        String email = "gen-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        String password = "correct horse battery staple";
        AuthApi anonymous = new AuthApi(client(null));

        // sign up: a user, a free workspace they own, a token pair
        SignupResponse signup = anonymous.authSignup(new SignupRequest().email(email).password(password).name("Gen Client"));
        assertThat(signup.getUser().getId()).matches("usr_" + ID);
        assertThat(signup.getUser().getEmail()).isEqualTo(email);
        assertThat(signup.getWorkspace().getId()).matches("ws_" + ID);
        assertThat(signup.getWorkspace().getPlan()).isEqualTo(PlanName.FREE);
        assertThat(signup.getWorkspace().getQuota().getEnvironments().getUsed()).isZero();
        assertThat(signup.getToken()).isNotBlank();
        assertThat(signup.getRefreshToken()).isNotBlank();

        // log in: a second token pair, for the same workspace
        TokenPair login = anonymous.authLogin(new LoginRequest().email(email).password(password));
        assertThat(login.getToken()).isNotBlank().isNotEqualTo(signup.getToken());
        assertThat(login.getExpiresAt()).isAfter(OffsetDateTime.now());
        ApiClient owner = client(login.getToken());

        Me me = new WorkspaceApi(owner).getMe(null);
        assertThat(me.getId()).isEqualTo(signup.getUser().getId());
        assertThat(me.getWorkspaceId()).isEqualTo(signup.getWorkspace().getId());
        assertThat(me.getRole()).isEqualTo(Role.OWNER);
        assertThat(me.getPlan()).isEqualTo(PlanName.FREE);
        assertThat(me.getGithubLogin()).isNull();

        // the free plan's bucket is too small for the polling below
        assertThat(new SubscriptionApi(owner).changeSubscription(new SubscriptionChangeRequest().plan(PlanName.PRO)).getPlan())
                .isEqualTo(PlanName.PRO);

        // an admin API key, shown once; the rest of the scenario runs on it
        ApiKeysApi keys = new ApiKeysApi(owner);
        ApiKeyCreated key = keys.createApiKey(new ApiKeyCreateRequest().name("generated-client").role(Role.ADMIN));
        assertThat(key.getId()).matches("ak_" + ID);
        assertThat(key.getToken()).startsWith("gk_").startsWith(key.getPrefix());
        assertThat(key.getRole()).isEqualTo(Role.ADMIN);
        var keyList = keys.listApiKeys(10, null, null);
        assertThat(keyList.getData()).extracting(ApiKey::getId).containsExactly(key.getId());
        assertThat(keyList.getNextCursor()).isNull();
        ApiClient admin = client(key.getToken());

        // connect a repo; its first scan completes
        ReposApi repos = new ReposApi(admin);
        Repo repo = repos.connectRepo(new RepoCreateRequest().fullName("gantry-demo/flask-app"), null);
        assertThat(repo.getId()).matches("repo_" + ID);
        assertThat(repo.getFullName()).isEqualTo("gantry-demo/flask-app");
        Repo scanned = await("the scan", () -> repos.getRepo(repo.getId(), null), r -> r.getScanStatus() == Repo.ScanStatusEnum.COMPLETED);
        assertThat(scanned.getLanguage()).isEqualTo("python");
        assertThat(scanned.getFramework()).isEqualTo("flask");
        assertThat(scanned.getProcfileDetected()).isTrue();

        // a compute target (simulated Hetzner), then an environment whose VM the job worker provisions
        ComputeTarget ct = new ComputeTargetsApi(admin).createComputeTarget(
                new ComputeTargetCreateRequest().provider(ProviderName.HETZNER).name("Hetzner").apiToken("hcloud-simulated-generated-client"), null);
        assertThat(ct.getId()).matches("ct_" + ID);
        assertThat(ct.getStatus()).isEqualTo(ComputeTarget.StatusEnum.VALID);
        EnvironmentsApi environments = new EnvironmentsApi(admin);
        Environment created = environments.createEnvironment(repo.getId(),
                new EnvironmentCreateRequest().name("production").computeTargetId(ct.getId()), null);
        assertThat(created.getId()).matches("env_" + ID);
        assertThat(created.getStatus()).isEqualTo(Environment.StatusEnum.PENDING);
        assertThat(created.getBranch()).isEqualTo("main");
        assertThat(created.getRepoId()).isEqualTo(repo.getId());
        Environment env = await("the environment", () -> environments.getEnvironment(created.getId(), null),
                e -> e.getStatus() == Environment.StatusEnum.READY);
        assertThat(env.getInstanceId()).matches("inst_" + ID);
        assertThat(env.getProvider()).isEqualTo(ProviderName.HETZNER);

        // deploy the branch head: queued, then succeeded, with its logs
        DeploysApi deploys = new DeploysApi(admin);
        Deploy queued = deploys.createDeploy(env.getId(), null, new DeployCreateRequest());
        assertThat(queued.getId()).matches("dep_" + ID);
        assertThat(queued.getStatus()).isEqualTo(DeployStatus.QUEUED);
        assertThat(queued.getTriggeredBy()).isEqualTo(Deploy.TriggeredByEnum.API);
        assertThat(queued.getSha()).matches("[0-9a-f]{40}");
        assertThat(queued.getEnvironmentId()).isEqualTo(env.getId());
        assertThat(queued.getRepoFullName()).isEqualTo("gantry-demo/flask-app");
        Deploy first = await("the first deploy", () -> deploys.getDeploy(queued.getId(), null), GeneratedClientIT::over);
        assertThat(first.getStatus()).as("%s", first).isEqualTo(DeployStatus.SUCCEEDED);
        assertThat(first.getAppUrl().toString()).startsWith("https://production-flask-app.");
        assertThat(first.getInstanceId()).isEqualTo(env.getInstanceId());
        assertThat(first.getStartedAt()).isNotNull();
        assertThat(first.getCompletedAt()).isAfterOrEqualTo(first.getStartedAt());
        List<DeployLogLine> lines = deploys.getDeployLogs(first.getId(), 100, null, null).getLines();
        assertThat(lines).extracting(DeployLogLine::getSource).contains("gantry", "actions", "release");
        assertThat(lines).extracting(DeployLogLine::getText).anyMatch(t -> t.startsWith("Deployed: https://"));

        // a second deploy by sha; the same Idempotency-Key and body replay it instead of queueing a third
        String sha = "ab".repeat(20);
        String idempotencyKey = "gen-" + UUID.randomUUID();
        ApiResponse<Deploy> second = deploys.createDeployWithHttpInfo(env.getId(), idempotencyKey, new DeployCreateRequest().sha(sha));
        assertThat(second.getStatusCode()).isEqualTo(202);
        assertThat(second.getData().getSha()).isEqualTo(sha);
        ApiResponse<Deploy> replay = deploys.createDeployWithHttpInfo(env.getId(), idempotencyKey, new DeployCreateRequest().sha(sha));
        assertThat(replay.getData().getId()).isEqualTo(second.getData().getId());
        assertThat(replay.getHeaders()).containsEntry("idempotent-replayed", List.of("true"));
        Deploy secondDone = await("the second deploy", () -> deploys.getDeploy(second.getData().getId(), null), GeneratedClientIT::over);
        assertThat(secondDone.getStatus()).isEqualTo(DeployStatus.SUCCEEDED);

        // list the environment's deploys one per page, newest first, following next_cursor until it is null
        DeployList page = deploys.listDeploys(env.getId(), null, null, 1, null, null);
        assertThat(page.getData()).extracting(Deploy::getId).containsExactly(secondDone.getId());
        assertThat(page.getNextCursor()).isNotNull();
        List<String> paged = new ArrayList<>(List.of(secondDone.getId()));
        for (int pages = 1; page.getNextCursor() != null; pages++) {
            assertThat(pages).as("pages of one deploy each").isLessThanOrEqualTo(3);
            page = deploys.listDeploys(env.getId(), null, null, 1, page.getNextCursor(), null);
            assertThat(page.getData()).hasSizeLessThanOrEqualTo(1);
            page.getData().forEach(d -> paged.add(d.getId()));
        }
        assertThat(paged).containsExactly(secondDone.getId(), first.getId());
        DeployList succeeded = deploys.listDeploys(null, repo.getId(), DeployStatus.SUCCEEDED, 100, null, null);
        assertThat(succeeded.getData()).extracting(Deploy::getId).containsExactly(secondDone.getId(), first.getId());
        assertThat(succeeded.getNextCursor()).isNull();
        assertThat(deploys.listDeploys(env.getId(), null, DeployStatus.FAILED, 100, null, null).getData()).isEmpty();

        // errors arrive as the client's ApiException carrying the documented envelope
        ApiException missing = catchThrowableOfType(ApiException.class, () -> deploys.getDeploy("dep_" + "0".repeat(26), null));
        envelope(admin, missing, 404, "deploy_not_found");
        // `{}` for the optional EmptyRequest body: the generated client would send a null one as JSON `null` (400)
        ApiException terminal = catchThrowableOfType(ApiException.class, () -> deploys.cancelDeploy(first.getId(), null, Map.of()));
        envelope(admin, terminal, 409, "deploy_already_terminal");
        ApiException invalid = catchThrowableOfType(ApiException.class,
                () -> deploys.createDeploy(env.getId(), null, new DeployCreateRequest().sha("not-a-sha")));
        assertThat(envelope(admin, invalid, 400, "validation_error").getDetails()).asString().contains("sha");

        // log out: the login's access token stops working at once
        Ok loggedOut = new AuthApi(owner).authLogout(Map.of());
        assertThat(loggedOut.getOk()).isEqualTo(Ok.OkEnum.TRUE);
        ApiException revoked = catchThrowableOfType(ApiException.class, () -> new WorkspaceApi(owner).getMe(null));
        envelope(owner, revoked, 401, "token_revoked");
    }
}
