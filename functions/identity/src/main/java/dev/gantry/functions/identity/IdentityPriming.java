package dev.gantry.functions.identity;

import dev.gantry.shared.http.Json;
import dev.gantry.shared.snapstart.OfflineStack;

import java.util.Map;

/**
 * The identity function's SnapStart priming ({@link dev.gantry.shared.snapstart.Priming}): a copy
 * of the handler on an offline stack serves its common first requests: health, plans, a signup and
 * a login (Log4j's first JSON line, the router, validation, bcrypt, JWTs, the session and audit
 * transaction), then the signed-in reads (authentication, me, workspace, members, audit log).
 * Nothing leaves the process.
 */
final class IdentityPriming {
    private IdentityPriming() {}

    static void prime(OfflineStack s) {
        IdentityHandler h = new IdentityHandler(s.wiring());
        s.api(h, "GET", "/health", null, null);
        s.api(h, "GET", "/v1/plans", null, null);
        String email = "priming-identity@gantry.invalid";
        String password = "priming password 1234";
        var signup = s.api(h, "POST", "/v1/auth/signup", null,
                OfflineStack.json(Map.of("email", email, "password", password, "name", "Priming")));
        s.api(h, "POST", "/v1/auth/login", null, OfflineStack.json(Map.of("email", email, "password", password)));
        String token = signup.getStatusCode() == 201 ? Json.readTree(signup.getBody()).path("token").asText(s.token()) : s.token();
        s.api(h, "GET", "/v1/me", token, null);
        s.api(h, "GET", "/v1/workspace", token, null);
        s.api(h, "GET", "/v1/members", token, null);
        s.api(h, "GET", "/v1/audit-log?limit=5", token, null);
    }
}
