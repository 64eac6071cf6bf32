package dev.gantry.functions;

import dev.gantry.functions.identity.IdentityRoutes;
import dev.gantry.shared.functions.FunctionSpec;

import java.util.List;

/** Every API function. Adding a function means adding it here; the CDK stack and the local server follow. */
public final class Catalog {
    private Catalog() {}

    public static final List<FunctionSpec> API_FUNCTIONS = List.of(IdentityRoutes.SPEC);
}
