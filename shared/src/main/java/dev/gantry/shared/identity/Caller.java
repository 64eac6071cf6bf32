package dev.gantry.shared.identity;

import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.http.Request;

/** Who made a request and from where: what an audit entry records. {@code principal} is null on public routes. */
public record Caller(Principal principal, String ip, String requestId) {
    public static Caller of(Request request) {
        return new Caller(request.principalOrNull(), request.sourceIp(), request.requestId());
    }
}
