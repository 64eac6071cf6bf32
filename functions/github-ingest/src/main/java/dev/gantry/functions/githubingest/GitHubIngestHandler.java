package dev.gantry.functions.githubingest;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.snapstart.Priming;
import dev.gantry.shared.http.Router;
import dev.gantry.shared.limits.RateLimiter;
import dev.gantry.shared.observability.Invocations;
import dev.gantry.shared.observability.Metrics;

/**
 * Lambda entry point of the GitHub webhook receiver. The router takes bodies up to 25 MiB, GitHub's
 * cap on a delivery; in AWS, API Gateway (10 MB) and Lambda's synchronous payload (6 MB) cut in
 * earlier (docs/functions.md). No idempotency store and no rate limiter: GitHub's delivery id is
 * the idempotency key, and the route is public.
 */
public final class GitHubIngestHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    /** GitHub caps webhook payloads at 25 MB. */
    public static final int MAX_BODY_BYTES = 25 * 1024 * 1024;

    private final Router<GitHubIngestApi> router;
    private final Metrics metrics;

    /** SnapStart priming hook, held here because the CRaC context holds it weakly (Lambda entry point only). */
    private Priming priming;

    public GitHubIngestHandler() {
        this(Wiring.fromEnvironment());
        this.priming = Priming.register("github-ingest", GitHubIngestPriming::prime);
    }

    public GitHubIngestHandler(Wiring wiring) {
        this.metrics = wiring.metrics();
        this.router = new Router<>(GitHubIngestRoutes.TABLE, new GitHubIngestApi(wiring), wiring.authenticator(), MAX_BODY_BYTES, null,
                RateLimiter.NONE, metrics);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return Invocations.observe(context, metrics, () -> router.handle(event));
    }
}
