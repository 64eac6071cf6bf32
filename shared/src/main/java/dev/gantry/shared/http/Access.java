package dev.gantry.shared.http;

import dev.gantry.shared.auth.Role;

/** Who may call a route: anyone, or an authenticated caller holding at least a role. */
public enum Access {
    PUBLIC(null), VIEWER(Role.VIEWER), DEVELOPER(Role.DEVELOPER), ADMIN(Role.ADMIN), OWNER(Role.OWNER);

    private final Role minimum;

    Access(Role minimum) { this.minimum = minimum; }

    public boolean isPublic() { return minimum == null; }

    public Role minimum() { return minimum; }
}
