package dev.gantry.functions.webhooks;

import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.JsonBody;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.http.Request;
import dev.gantry.shared.http.Response;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.webhooks.DeliveryRepository;
import dev.gantry.shared.webhooks.EventTypes;
import dev.gantry.shared.webhooks.WebhookService;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The webhook endpoint routes: each reads its input strictly, calls one service method and says
 * what to answer. No try/catch here; the router maps errors.
 */
public final class WebhookApi {
    static final int MAX_FILTERS = 50;
    static final Set<String> STATUSES = Set.of("enabled", "disabled");

    private final WebhookService service;

    public WebhookApi(Wiring wiring) {
        this.service = wiring.webhookService();
    }

    Response create(Request request) {
        JsonBody in = request.json();
        String url = in.requiredString("url", 1, 2048);
        List<String> events = events(in, true);
        String description = in.optionalString("description", 0, 500);
        in.done();
        return Response.created(service.create(request.principal(), url, events, description, Caller.of(request)));
    }

    Response list(Request request) {
        return Response.ok(service.list(request.principal(), Page.limit(request), request.query("cursor")));
    }

    Response get(Request request) {
        var e = service.require(request.principal(), request.pathParam("id"));
        return Response.ok(WebhookService.View.of(e), e.version());
    }

    Response update(Request request) {
        JsonBody in = request.json();
        String url = in.optionalString("url", 1, 2048);
        List<String> events = events(in, false);
        String status = in.optionalEnum("status", STATUSES);
        String description = in.optionalString("description", 0, 500);
        in.done();
        var changed = service.update(request.principal(), request.pathParam("id"),
                new WebhookService.Change(url, events, status, description, false), request.expectedVersion(), Caller.of(request));
        return Response.ok(WebhookService.View.of(changed), changed.version());
    }

    Response delete(Request request) {
        service.delete(request.principal(), request.pathParam("id"), request.expectedVersion(), Caller.of(request));
        return Response.noContent();
    }

    Response rotateSecret(Request request) {
        request.json().done();
        return Response.ok(service.rotate(request.principal(), request.pathParam("id"), request.expectedVersion(), Caller.of(request)));
    }

    Response test(Request request) {
        request.json().done();
        return Response.accepted(service.test(request.principal(), request.pathParam("id"), Caller.of(request)));
    }

    Response deliveries(Request request) {
        String status = request.query("status");
        if (status != null && !DeliveryRepository.STATUSES.contains(status)) {
            throw ApiException.validation("status", "must be one of " + String.join(", ", DeliveryRepository.STATUSES));
        }
        return Response.ok(service.deliveries(request.principal(), request.pathParam("id"), status, Page.limit(request),
                request.query("cursor")));
    }

    Response delivery(Request request) {
        return Response.ok(service.delivery(request.principal(), request.pathParam("id"), request.pathParam("delivery_id")));
    }

    Response redeliver(Request request) {
        request.json().done();
        return Response.accepted(service.redeliver(request.principal(), request.pathParam("id"), request.pathParam("delivery_id"),
                Caller.of(request)));
    }

    /** The event filters: 1–50 of a known type, {@code <family>.*} or {@code *}; duplicates collapse. */
    private static List<String> events(JsonBody in, boolean required) {
        List<String> events = in.optionalStringList("events", MAX_FILTERS, 64);
        if (events == null) {
            if (required) in.reject("events", "is required");
            return null;
        }
        if (events.isEmpty()) {
            in.reject("events", "must name at least one event type, a family such as deploy.*, or *");
            return null;
        }
        for (int i = 0; i < events.size(); i++) {
            if (!EventTypes.isValidFilter(events.get(i))) {
                in.reject("events[" + i + "]", "must be an event type (" + String.join(", ", EventTypes.ALL) + "), a family such as deploy.*, or *");
                return null;
            }
        }
        return List.copyOf(new LinkedHashSet<>(events));
    }
}
