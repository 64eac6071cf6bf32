package dev.gantry.functions.webhooks;

import dev.gantry.shared.snapstart.OfflineStack;

/**
 * The webhooks function's SnapStart priming ({@link dev.gantry.shared.snapstart.Priming}): a copy
 * of the handler on an offline stack lists endpoints and reads an endpoint, its deliveries and a
 * delivery (the not-found answers included). No endpoint is created: that would resolve its host
 * name (the SSRF guard), and priming makes no network call at all.
 */
final class WebhookPriming {
    private WebhookPriming() {}

    static void prime(OfflineStack s) {
        WebhookHandler h = new WebhookHandler(s.wiring());
        String token = s.token();
        s.api(h, "GET", "/v1/webhook-endpoints", token, null);
        s.api(h, "GET", "/v1/webhook-endpoints/whe_priming", token, null);
        s.api(h, "GET", "/v1/webhook-endpoints/whe_priming/deliveries?limit=10", token, null);
        s.api(h, "GET", "/v1/webhook-endpoints/whe_priming/deliveries/whd_priming", token, null);
    }
}
