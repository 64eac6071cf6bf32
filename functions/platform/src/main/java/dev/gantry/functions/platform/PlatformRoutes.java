package dev.gantry.functions.platform;

import dev.gantry.shared.functions.FunctionSpec;
import dev.gantry.shared.http.RouteTable;

import static dev.gantry.shared.http.Access.ADMIN;
import static dev.gantry.shared.http.Access.DEVELOPER;
import static dev.gantry.shared.http.Access.VIEWER;
import static dev.gantry.shared.http.Route.delete;
import static dev.gantry.shared.http.Route.get;
import static dev.gantry.shared.http.Route.patch;
import static dev.gantry.shared.http.Route.post;
import static dev.gantry.shared.http.Route.put;

/**
 * The platform function's whole API (API.md §6–§8), one line a route. One function serves the
 * resource model because every route here needs the same wiring (envelope cipher, GitHub App,
 * providers, outbox); see docs/functions.md.
 */
public final class PlatformRoutes {
    private PlatformRoutes() {}

    public static final RouteTable<PlatformApi> TABLE = RouteTable.of("platform",
            get("/v1/github/install", ADMIN, PlatformApi::githubInstall),
            get("/v1/github/setup", ADMIN, PlatformApi::githubSetup),
            get("/v1/github/installations", VIEWER, PlatformApi::listInstallations),

            post("/v1/repos", DEVELOPER, PlatformApi::connectRepo),
            get("/v1/repos", VIEWER, PlatformApi::listRepos),
            get("/v1/repos/{id}", VIEWER, PlatformApi::getRepo),
            delete("/v1/repos/{id}", DEVELOPER, PlatformApi::disconnectRepo),
            post("/v1/repos/{id}/scan", DEVELOPER, PlatformApi::scanRepo),

            post("/v1/repos/{id}/environments", DEVELOPER, PlatformApi::createEnvironment),
            get("/v1/repos/{id}/environments", VIEWER, PlatformApi::listEnvironments),
            get("/v1/environments/{id}", VIEWER, PlatformApi::getEnvironment),
            patch("/v1/environments/{id}", DEVELOPER, PlatformApi::updateEnvironment),
            delete("/v1/environments/{id}", DEVELOPER, PlatformApi::deleteEnvironment),

            get("/v1/environments/{id}/env-vars", VIEWER, PlatformApi::listEnvVars),
            put("/v1/environments/{id}/env-vars", DEVELOPER, PlatformApi::replaceEnvVars),
            patch("/v1/environments/{id}/env-vars", DEVELOPER, PlatformApi::patchEnvVars),
            get("/v1/environments/{id}/env-vars/{key}/reveal", ADMIN, PlatformApi::revealEnvVar),
            get("/v1/environments/{id}/secret-bindings", VIEWER, PlatformApi::listBindings),
            post("/v1/environments/{id}/secret-bindings", ADMIN, PlatformApi::createBinding),
            delete("/v1/environments/{id}/secret-bindings/{binding_id}", ADMIN, PlatformApi::deleteBinding),
            // Redacted for every role; ?reveal=true is checked for admin by the route.
            get("/v1/environments/{id}/resolved-env", VIEWER, PlatformApi::resolvedEnv),

            post("/v1/secrets", ADMIN, PlatformApi::createSecret),
            get("/v1/secrets", VIEWER, PlatformApi::listSecrets),
            get("/v1/secrets/{id}", VIEWER, PlatformApi::getSecret),
            patch("/v1/secrets/{id}", ADMIN, PlatformApi::updateSecret),
            delete("/v1/secrets/{id}", ADMIN, PlatformApi::deleteSecret),
            get("/v1/secrets/{id}/reveal", ADMIN, PlatformApi::revealSecret),

            post("/v1/compute-targets", ADMIN, PlatformApi::createComputeTarget),
            get("/v1/compute-targets", VIEWER, PlatformApi::listComputeTargets),
            get("/v1/compute-targets/{id}", VIEWER, PlatformApi::getComputeTarget),
            delete("/v1/compute-targets/{id}", ADMIN, PlatformApi::deleteComputeTarget),

            get("/v1/instances", VIEWER, PlatformApi::listInstances),
            get("/v1/instances/{id}", VIEWER, PlatformApi::getInstance),
            delete("/v1/instances/{id}", ADMIN, PlatformApi::destroyInstance),

            post("/v1/environments/{id}/deploys", DEVELOPER, PlatformApi::createDeploy),
            get("/v1/deploys", VIEWER, PlatformApi::listDeploys),
            get("/v1/deploys/{id}", VIEWER, PlatformApi::getDeploy),
            post("/v1/deploys/{id}/cancel", DEVELOPER, PlatformApi::cancelDeploy),
            post("/v1/deploys/{id}/rollback", DEVELOPER, PlatformApi::rollbackDeploy),
            get("/v1/deploys/{id}/logs", VIEWER, PlatformApi::deployLogs),
            get("/v1/jobs", VIEWER, PlatformApi::listJobs));

    public static final FunctionSpec SPEC = new FunctionSpec("platform", PlatformHandler.class.getName(), TABLE, 1024);
}
