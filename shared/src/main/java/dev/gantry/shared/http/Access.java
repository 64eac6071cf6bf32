package dev.gantry.shared.http;

import dev.gantry.shared.auth.Role;

/**
 * Who may call a route: anyone, or an authenticated caller holding at least a role. It also says
 * how the route is rate limited (docs/rate-limits.md): every authenticated route by the caller's
 * workspace bucket (failing open), {@link #PUBLIC_PER_IP} routes by the client address's bucket
 * (failing closed), and {@link #PUBLIC} routes not at all.
 */
public enum Access {
    /** Anyone, not limited: health, plans, the OpenAPI document. */
    PUBLIC(null),
    /** Anyone, limited per client address (10/min, burst 20): the anonymous credential routes. */
    PUBLIC_PER_IP(null),
    VIEWER(Role.VIEWER), DEVELOPER(Role.DEVELOPER), ADMIN(Role.ADMIN), OWNER(Role.OWNER);

    private final Role minimum;

    Access(Role minimum) { this.minimum = minimum; }

    public boolean isPublic() { return minimum == null; }

    public Role minimum() { return minimum; }

    /** Limited by the client address's bucket (anonymous credential routes). */
    public boolean limitedPerClientAddress() { return this == PUBLIC_PER_IP; }
}
