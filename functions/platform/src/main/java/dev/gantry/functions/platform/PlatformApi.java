package dev.gantry.functions.platform;

import dev.gantry.shared.auth.Role;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.envvars.BindingService;
import dev.gantry.shared.envvars.EnvResolver;
import dev.gantry.shared.envvars.EnvVarInput;
import dev.gantry.shared.envvars.EnvVarRules;
import dev.gantry.shared.envvars.EnvVarService;
import dev.gantry.shared.envvars.SecretInput;
import dev.gantry.shared.envvars.SecretService;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.JsonBody;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.http.Request;
import dev.gantry.shared.http.Response;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.platform.ComputeTargetService;
import dev.gantry.shared.platform.DeployRepository;
import dev.gantry.shared.platform.DeployService;
import dev.gantry.shared.platform.JobsView;
import dev.gantry.shared.platform.EnvironmentRepository;
import dev.gantry.shared.platform.EnvironmentService;
import dev.gantry.shared.platform.GitHubInstallService;
import dev.gantry.shared.platform.InstanceService;
import dev.gantry.shared.platform.RepoService;

import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The platform routes: each reads its input strictly, calls one service method and says what to
 * answer. No try/catch here; the router maps errors.
 */
public final class PlatformApi {
    /** API.md §7: environment names are slugs. */
    static final Pattern SLUG = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
    /** Provider region and size names (fsn1, nyc3, cx22, s-1vcpu-1gb). */
    static final Pattern PROVIDER_NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,63}$");
    /** Git branch names, conservatively (no spaces, no "..", no control characters). */
    static final Pattern BRANCH = Pattern.compile("^(?!.*\\.\\.)(?!/)(?!.*/$)[A-Za-z0-9._/-]{1,255}$");
    static final Set<String> SCOPES = Set.copyOf(EnvironmentService.SECRET_SCOPES);

    private final Wiring wiring;
    private final RepoService repos;
    private final EnvironmentService environments;
    private final ComputeTargetService computeTargets;
    private final InstanceService instances;
    private final GitHubInstallService github;
    private final EnvVarService envVars;
    private final SecretService secrets;
    private final BindingService bindings;
    private final EnvResolver resolver;
    private final DeployService deploys;
    private final JobsView jobs;

    public PlatformApi(Wiring wiring) {
        this.wiring = wiring;
        this.repos = wiring.repoService();
        this.environments = wiring.environmentService();
        this.computeTargets = wiring.computeTargetService();
        this.instances = wiring.instanceService();
        this.github = wiring.gitHubInstallService();
        this.envVars = wiring.envVarService();
        this.secrets = wiring.secretService();
        this.bindings = wiring.bindingService();
        this.resolver = wiring.envResolver();
        this.deploys = wiring.deployService();
        this.jobs = new JobsView(wiring.platform());
    }

    // --- GitHub App ------------------------------------------------------------------------------

    Response githubInstall(Request request) {
        return Response.redirect(github.installRedirect(request.principal()));
    }

    Response githubSetup(Request request) {
        String rawId = request.query("installation_id");
        String state = request.query("state");
        var problems = new java.util.ArrayList<ApiException.FieldProblem>();
        long installationId = 0;
        if (rawId == null || !rawId.matches("^[1-9][0-9]{0,17}$")) problems.add(new ApiException.FieldProblem("installation_id", "must be a positive integer"));
        else installationId = Long.parseLong(rawId);
        if (state == null || state.isEmpty()) problems.add(new ApiException.FieldProblem("state", "is required"));
        String action = request.query("setup_action");
        if (action != null && !Set.of("install", "update", "request").contains(action)) {
            problems.add(new ApiException.FieldProblem("setup_action", "must be install, update or request"));
        }
        if (!problems.isEmpty()) throw ApiException.validation(problems);
        return Response.ok(github.setup(request.principal(), installationId, state, Caller.of(request)));
    }

    Response listInstallations(Request request) {
        return Response.ok(new Page<>(github.list(request.principal()), null));
    }

    // --- repos -----------------------------------------------------------------------------------

    Response connectRepo(Request request) {
        JsonBody in = request.json();
        String fullName = in.requiredMatching("full_name", RepoService.FULL_NAME, "owner/name, as on GitHub");
        in.done();
        return Response.created(repos.connect(request.principal(), fullName, Caller.of(request)));
    }

    Response listRepos(Request request) {
        return Response.ok(repos.list(request.principal(), Page.limit(request), request.query("cursor")));
    }

    Response getRepo(Request request) {
        var repo = repos.require(request.principal(), request.pathParam("id"));
        return Response.ok(RepoService.View.of(repo), repo.version());
    }

    Response disconnectRepo(Request request) {
        repos.disconnect(request.principal(), request.pathParam("id"), request.expectedVersion(), Caller.of(request));
        return Response.noContent();
    }

    Response scanRepo(Request request) {
        request.json().done();
        return Response.accepted(repos.rescan(request.principal(), request.pathParam("id"), Caller.of(request)));
    }

    // --- environments ----------------------------------------------------------------------------

    Response createEnvironment(Request request) {
        JsonBody in = request.json();
        String name = in.requiredMatching("name", SLUG, "a slug: lower-case letters, digits and hyphens, starting with a letter or digit, at most 63");
        String computeTargetId = in.requiredString("compute_target_id", 1, 64);
        String region = optionalMatching(in, "region", PROVIDER_NAME, "a provider region name such as fsn1 or nyc3");
        String instanceType = optionalMatching(in, "instance_type", PROVIDER_NAME, "a provider size name such as cx22 or s-1vcpu-1gb");
        String branch = optionalMatching(in, "branch", BRANCH, "a git branch name");
        Boolean autoDeploy = in.optionalBoolean("auto_deploy");
        String secretScope = in.optionalEnum("secret_scope", SCOPES);
        in.done();
        return Response.created(environments.create(request.principal(), request.pathParam("id"),
                new EnvironmentService.CreateInput(name, computeTargetId, region, instanceType, branch, autoDeploy, secretScope),
                Caller.of(request)));
    }

    private static String optionalMatching(JsonBody in, String field, Pattern pattern, String description) {
        String v = in.optionalString(field, 1, 255);
        return v == null ? null : in.check(field, v, s -> pattern.matcher(s).matches(), "must be " + description);
    }

    Response listEnvironments(Request request) {
        return Response.ok(environments.listByRepo(request.principal(), request.pathParam("id"), Page.limit(request), request.query("cursor")));
    }

    Response getEnvironment(Request request) {
        var env = environments.require(request.principal(), request.pathParam("id"));
        return Response.ok(EnvironmentService.View.of(env), env.version());
    }

    Response updateEnvironment(Request request) {
        JsonBody in = request.json();
        String name = optionalMatching(in, "name", SLUG, "a slug: lower-case letters, digits and hyphens, starting with a letter or digit, at most 63");
        String instanceType = optionalMatching(in, "instance_type", PROVIDER_NAME, "a provider size name such as cx22 or s-1vcpu-1gb");
        String branch = optionalMatching(in, "branch", BRANCH, "a git branch name");
        Boolean autoDeploy = in.optionalBoolean("auto_deploy");
        String secretScope = in.optionalEnum("secret_scope", SCOPES);
        in.done();
        return Response.ok(environments.update(request.principal(), request.pathParam("id"),
                new EnvironmentRepository.Changes(name, instanceType, branch, autoDeploy, secretScope), request.expectedVersion(),
                Caller.of(request)));
    }

    Response deleteEnvironment(Request request) {
        environments.delete(request.principal(), request.pathParam("id"), request.expectedVersion(), Caller.of(request));
        return Response.accepted(Map.of("status", "deleting"));
    }

    // --- env vars, shared secrets, bindings, resolved env ---------------------------------------------

    Response listEnvVars(Request request) {
        EnvVarService.EnvVarSet set = envVars.list(request.principal().workspaceId(), request.pathParam("id"));
        return Response.ok(set.vars(), set.version());
    }

    Response replaceEnvVars(Request request) {
        var vars = EnvVarInput.parsePut(request.rawBody());
        return Response.ok(envVars.replace(request.principal().workspaceId(), request.pathParam("id"), request.expectedVersion(), vars,
                Caller.of(request)).vars());
    }

    Response patchEnvVars(Request request) {
        var patch = EnvVarInput.parsePatch(request.rawBody());
        return Response.ok(envVars.patch(request.principal().workspaceId(), request.pathParam("id"), request.expectedVersion(), patch,
                Caller.of(request)).vars());
    }

    Response revealEnvVar(Request request) {
        return Response.ok(envVars.reveal(request.principal().workspaceId(), request.pathParam("id"), request.pathParam("key"),
                Caller.of(request)));
    }

    Response listBindings(Request request) {
        return Response.ok(new Page<>(bindings.list(request.principal().workspaceId(), request.pathParam("id")), null));
    }

    Response createBinding(Request request) {
        var in = SecretInput.parseBinding(request.rawBody());
        return Response.created(bindings.create(request.principal().workspaceId(), request.pathParam("id"), in.secretKey(), in.alias(),
                Caller.of(request)));
    }

    Response deleteBinding(Request request) {
        bindings.delete(request.principal().workspaceId(), request.pathParam("id"), request.pathParam("binding_id"), Caller.of(request));
        return Response.noContent();
    }

    Response resolvedEnv(Request request) {
        boolean reveal = booleanQuery(request, "reveal");
        if (reveal && !request.principal().role().atLeast(Role.ADMIN)) {
            throw ApiException.forbidden("Revealing secret values needs the admin role or higher.");
        }
        var resolved = resolver.resolve(request.principal().workspaceId(), request.pathParam("id"), reveal, Caller.of(request));
        return Response.ok(Map.of("data", resolved.variables(), "unresolved", resolved.unresolved()));
    }

    Response createSecret(Request request) {
        var in = SecretInput.parseCreate(request.rawBody());
        return Response.created(secrets.create(request.principal().workspaceId(), in.key(), in.value(), in.scope(), Caller.of(request)));
    }

    Response listSecrets(Request request) {
        String scope = request.query("scope");
        if (scope != null && !EnvVarRules.SECRET_SCOPES.contains(scope)) throw ApiException.validation("scope", "must be one of " + String.join(", ", EnvVarRules.SECRET_SCOPES));
        return Response.ok(secrets.list(request.principal().workspaceId(), scope, Page.limit(request), request.query("cursor")));
    }

    Response getSecret(Request request) {
        var s = secrets.get(request.principal().workspaceId(), request.pathParam("id"));
        return Response.ok(s, s.version());
    }

    Response updateSecret(Request request) {
        String value = SecretInput.parseUpdate(request.rawBody());
        return Response.ok(secrets.update(request.principal().workspaceId(), request.pathParam("id"), request.expectedVersion(), value,
                Caller.of(request)));
    }

    Response deleteSecret(Request request) {
        secrets.delete(request.principal().workspaceId(), request.pathParam("id"), booleanQuery(request, "force"), request.expectedVersion(),
                Caller.of(request));
        return Response.noContent();
    }

    Response revealSecret(Request request) {
        return Response.ok(secrets.reveal(request.principal().workspaceId(), request.pathParam("id"), Caller.of(request)));
    }

    /** {@code ?name=true|false}; absent is false, anything else a 400. */
    private static boolean booleanQuery(Request request, String name) {
        String v = request.query(name);
        if (v == null || v.equals("false")) return false;
        if (v.equals("true")) return true;
        throw ApiException.validation(name, "must be true or false");
    }

    // --- compute targets and instances -----------------------------------------------------------

    Response createComputeTarget(Request request) {
        JsonBody in = request.json();
        String provider = in.requiredString("provider", 1, 64);
        String name = in.requiredString("name", 1, 100);
        String token = in.requiredString("api_token", 8, 4096);
        in.done();
        return Response.created(computeTargets.create(request.principal(), provider, name, token, Caller.of(request)));
    }

    Response listComputeTargets(Request request) {
        return Response.ok(computeTargets.list(request.principal(), Page.limit(request), request.query("cursor")));
    }

    Response getComputeTarget(Request request) {
        var t = computeTargets.require(request.principal(), request.pathParam("id"));
        return Response.ok(ComputeTargetService.View.of(t), t.version());
    }

    Response deleteComputeTarget(Request request) {
        computeTargets.delete(request.principal(), request.pathParam("id"), request.expectedVersion(), Caller.of(request));
        return Response.noContent();
    }

    Response listInstances(Request request) {
        return Response.ok(instances.list(request.principal(), Page.limit(request), request.query("cursor")));
    }

    Response getInstance(Request request) {
        var i = instances.require(request.principal(), request.pathParam("id"));
        return Response.ok(instances.withLiveMetrics(i), i.version());
    }

    Response destroyInstance(Request request) {
        return Response.accepted(instances.destroy(request.principal(), request.pathParam("id"), request.expectedVersion(), Caller.of(request)));
    }

    // --- deploys and jobs --------------------------------------------------------------------------

    static final Pattern SHA = Pattern.compile("^[0-9a-f]{7,40}$");

    Response createDeploy(Request request) {
        JsonBody in = request.json();
        String sha = in.optionalString("sha", 7, 40);
        if (sha != null) in.check("sha", sha, v -> SHA.matcher(v).matches(), "must be a git commit sha (7 to 40 lower-case hex characters)");
        in.done();
        return Response.accepted(deploys.create(request.principal(), request.pathParam("id"), sha, Caller.of(request)));
    }

    Response listDeploys(Request request) {
        String status = request.query("status");
        if (status != null && !DeployRepository.STATUSES.contains(status)) {
            throw ApiException.validation("status", "must be one of " + String.join(", ", DeployRepository.STATUSES));
        }
        return Response.ok(deploys.list(request.principal(), request.query("environment_id"), request.query("repo_id"), status,
                Page.limit(request), request.query("cursor")));
    }

    Response getDeploy(Request request) {
        var d = deploys.require(request.principal(), request.pathParam("id"));
        return Response.ok(DeployService.View.of(d), d.stepSeq());
    }

    Response cancelDeploy(Request request) {
        request.json().done();
        return Response.ok(deploys.cancel(request.principal(), request.pathParam("id"), Caller.of(request)));
    }

    Response rollbackDeploy(Request request) {
        request.json().done();
        return Response.accepted(deploys.rollback(request.principal(), request.pathParam("id"), Caller.of(request)));
    }

    Response deployLogs(Request request) {
        return Response.ok(deploys.logs(request.principal(), request.pathParam("id"), Page.limit(request), request.query("cursor")));
    }

    Response listJobs(Request request) {
        return Response.ok(jobs.view(request.principal(), Page.limit(request), request.query("cursor")));
    }
}
