package dev.gantry.shared.auth;

import dev.gantry.shared.http.Request;

/** Turns a request's credential into a principal, or throws a 401/403 ApiException. */
public interface Authenticator {
    Principal authenticate(Request request);
}
