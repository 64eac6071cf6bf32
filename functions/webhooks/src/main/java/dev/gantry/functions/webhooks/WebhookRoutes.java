package dev.gantry.functions.webhooks;

import dev.gantry.shared.functions.FunctionSpec;
import dev.gantry.shared.http.RouteTable;

import static dev.gantry.shared.http.Access.ADMIN;
import static dev.gantry.shared.http.Access.VIEWER;
import static dev.gantry.shared.http.Route.delete;
import static dev.gantry.shared.http.Route.get;
import static dev.gantry.shared.http.Route.patch;
import static dev.gantry.shared.http.Route.post;

/**
 * The webhooks function's API (API.md §11): admins manage endpoints (API.md §1, roles), every
 * member reads them and their deliveries. Its own function because only these routes need the
 * SSRF guard and the outbound sender, and an endpoint's test ping should not wait on a platform
 * cold start; see docs/functions.md.
 */
public final class WebhookRoutes {
    private WebhookRoutes() {}

    public static final RouteTable<WebhookApi> TABLE = RouteTable.of("webhooks",
            post("/v1/webhook-endpoints", ADMIN, WebhookApi::create),
            get("/v1/webhook-endpoints", VIEWER, WebhookApi::list),
            get("/v1/webhook-endpoints/{id}", VIEWER, WebhookApi::get),
            patch("/v1/webhook-endpoints/{id}", ADMIN, WebhookApi::update),
            delete("/v1/webhook-endpoints/{id}", ADMIN, WebhookApi::delete),
            post("/v1/webhook-endpoints/{id}/rotate-secret", ADMIN, WebhookApi::rotateSecret),
            post("/v1/webhook-endpoints/{id}/test", ADMIN, WebhookApi::test),
            get("/v1/webhook-endpoints/{id}/deliveries", VIEWER, WebhookApi::deliveries),
            get("/v1/webhook-endpoints/{id}/deliveries/{delivery_id}", VIEWER, WebhookApi::delivery),
            post("/v1/webhook-endpoints/{id}/deliveries/{delivery_id}/redeliver", ADMIN, WebhookApi::redeliver));

    public static final FunctionSpec SPEC = new FunctionSpec("webhooks", WebhookHandler.class.getName(), TABLE, 1024);
}
