package dev.gantry.functions.identity;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.snapstart.Priming;
import dev.gantry.shared.http.Router;
import dev.gantry.shared.observability.Invocations;
import dev.gantry.shared.observability.Metrics;

/** Lambda entry point of the identity function: hands the event to the shared router. */
public final class IdentityHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final Router<IdentityApi> router;
    private final Metrics metrics;

    /** SnapStart priming hook, held here because the CRaC context holds it weakly (Lambda entry point only). */
    private Priming priming;

    public IdentityHandler() {
        this(Wiring.fromEnvironment());
        this.priming = Priming.register("identity", IdentityPriming::prime);
    }

    public IdentityHandler(Wiring wiring) {
        this.metrics = wiring.metrics();
        this.router = new Router<>(IdentityRoutes.TABLE, new IdentityApi(wiring), wiring.authenticator(),
                Router.DEFAULT_MAX_BODY_BYTES, wiring.idempotency(), wiring.rateLimiter(), metrics);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return Invocations.observe(context, metrics, () -> router.handle(event));
    }
}
