package dev.gantry.functions;

import dev.gantry.functions.githubingest.GitHubIngestRoutes;
import dev.gantry.functions.identity.IdentityRoutes;
import dev.gantry.functions.platform.PlatformRoutes;
import dev.gantry.functions.webhooks.WebhookRoutes;
import dev.gantry.functions.workers.Workers;
import dev.gantry.shared.functions.FunctionSpec;
import dev.gantry.shared.functions.WorkerSpec;

import java.util.List;

/** Every function. Adding a function means adding it here; the CDK stack and the local server follow. */
public final class Catalog {
    private Catalog() {}

    public static final List<FunctionSpec> API_FUNCTIONS = List.of(IdentityRoutes.SPEC, PlatformRoutes.SPEC, GitHubIngestRoutes.SPEC, WebhookRoutes.SPEC);

    /** Queue consumers and scheduled functions, each in the workers jar. */
    public static final List<WorkerSpec> WORKERS = Workers.ALL;
}
