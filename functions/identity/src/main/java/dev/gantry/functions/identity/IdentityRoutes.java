package dev.gantry.functions.identity;

import dev.gantry.shared.functions.FunctionSpec;
import dev.gantry.shared.http.RouteTable;

import static dev.gantry.shared.http.Access.ADMIN;
import static dev.gantry.shared.http.Access.OWNER;
import static dev.gantry.shared.http.Access.PUBLIC;
import static dev.gantry.shared.http.Access.PUBLIC_PER_IP;
import static dev.gantry.shared.http.Access.VIEWER;
import static dev.gantry.shared.http.Route.delete;
import static dev.gantry.shared.http.Route.get;
import static dev.gantry.shared.http.Route.patch;
import static dev.gantry.shared.http.Route.post;

/** The identity function's whole API, one line a route. The CDK stack and the local server read this table. */
public final class IdentityRoutes {
    private IdentityRoutes() {}

    public static final RouteTable<IdentityApi> TABLE = RouteTable.of("identity",
            get("/health", PUBLIC, IdentityApi::health),
            get("/v1/openapi.json", PUBLIC, IdentityApi::openApi),
            get("/v1/plans", PUBLIC, IdentityApi::listPlans),
            get("/v1/plans/{name}", PUBLIC, IdentityApi::getPlan),

            post("/v1/auth/signup", PUBLIC_PER_IP, IdentityApi::signup),
            post("/v1/auth/login", PUBLIC_PER_IP, IdentityApi::login),
            post("/v1/auth/refresh", PUBLIC_PER_IP, IdentityApi::refresh),
            get("/v1/auth/github/start", PUBLIC_PER_IP, IdentityApi::githubStart),
            get("/v1/auth/github/callback", PUBLIC_PER_IP, IdentityApi::githubCallback),
            post("/v1/auth/logout", VIEWER, IdentityApi::logout),
            post("/v1/auth/switch", VIEWER, IdentityApi::switchWorkspace),
            get("/v1/workspaces", VIEWER, IdentityApi::listWorkspaces),
            get("/v1/me", VIEWER, IdentityApi::me),

            get("/v1/workspace", VIEWER, IdentityApi::getWorkspace),
            patch("/v1/workspace", ADMIN, IdentityApi::renameWorkspace),
            get("/v1/members", VIEWER, IdentityApi::listMembers),
            post("/v1/members", ADMIN, IdentityApi::addMember),
            get("/v1/members/{user_id}", VIEWER, IdentityApi::getMember),
            patch("/v1/members/{user_id}", ADMIN, IdentityApi::changeMemberRole),
            // Any member may remove themselves; removing someone else needs admin (checked by the service).
            delete("/v1/members/{user_id}", VIEWER, IdentityApi::removeMember),
            get("/v1/audit-log", ADMIN, IdentityApi::auditLog),

            post("/v1/api-keys", ADMIN, IdentityApi::createApiKey),
            get("/v1/api-keys", ADMIN, IdentityApi::listApiKeys),
            get("/v1/api-keys/{id}", ADMIN, IdentityApi::getApiKey),
            patch("/v1/api-keys/{id}", ADMIN, IdentityApi::updateApiKey),
            delete("/v1/api-keys/{id}", ADMIN, IdentityApi::revokeApiKey),

            get("/v1/subscription", VIEWER, IdentityApi::subscription),
            post("/v1/subscription/change", OWNER, IdentityApi::changePlan),
            post("/v1/subscription/cancel", OWNER, IdentityApi::cancelSubscription));

    public static final FunctionSpec SPEC = new FunctionSpec("identity", IdentityHandler.class.getName(), TABLE, 1024);
}
