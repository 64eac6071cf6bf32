package dev.gantry.bench.invoke;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.functions.identity.IdentityHandler;
import dev.gantry.shared.config.Wiring;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the identity function's cold start goes: the same work as {@link Invoke}, done in explicit
 * stages, each timed, in a fresh JVM on the same classpath (function jar + invoker). A stage's time
 * is the cost of everything first touched in it (class loading, static initialization, interpreted
 * code), so the order matters: it follows what a cold start touches first.
 *
 * <ol>
 *   <li>{@code stage_logging_ms}: the first SLF4J logger (Log4j 2 starts and reads log4j2.xml);</li>
 *   <li>{@code stage_jackson_ms}: an ObjectMapper and the event deserialized;</li>
 *   <li>{@code stage_wiring_ms}: {@code Wiring.fromEnvironment()}: configuration, the DynamoDB and
 *       Secrets Manager SDK clients, Powertools' secrets provider (no network call);</li>
 *   <li>{@code stage_handler_ms}: {@code new IdentityHandler(wiring)}: router, route table, services;</li>
 *   <li>{@code stage_secret_ms} (events with an authorization header only): the JWT secret fetched
 *       from Secrets Manager, as the first authenticated request does;</li>
 *   <li>{@code stage_invoke1_ms}, {@code stage_invoke2_ms}: the first and a second handleRequest;</li>
 *   <li>{@code stage_auth_service_ms}: {@code Wiring.authService()}, the bcrypt decoy hash at the
 *       configured cost: not on the path of these events, it is what the first signup or login adds.</li>
 * </ol>
 *
 * <pre>java -cp identity.jar:gantry-bench-invoker.jar dev.gantry.bench.invoke.Breakdown [--spawned-at=MS] event.json</pre>
 */
public final class Breakdown {
    private Breakdown() {}

    public static void main(String[] args) {
        long mainEpochMillis = System.currentTimeMillis();
        long mainNanos = System.nanoTime();
        Timeline timeline = new Timeline(mainEpochMillis, mainNanos, Timeline.spawnedAt(args));
        String[] rest = Timeline.rest(args);
        if (rest.length != 1) {
            System.err.println("usage: Breakdown [--spawned-at=EPOCH_MILLIS] EVENT_JSON");
            System.exit(2);
        }
        try {
            System.out.println(run(timeline, mainNanos, Path.of(rest[0])));
            System.out.flush();
            System.exit(0);
        } catch (Throwable e) {
            System.err.println("gantry-invoke: failed: " + e);
            e.printStackTrace();
            System.err.flush();
            System.exit(1);
        }
    }

    private static String run(Timeline timeline, long mainNanos, Path eventFile) throws Exception {
        long t = mainNanos;

        org.slf4j.LoggerFactory.getLogger("dev.gantry.bench");
        t = stage(timeline, "logging", t);

        ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        APIGatewayV2HTTPEvent event = json.readValue(Files.readAllBytes(eventFile), APIGatewayV2HTTPEvent.class);
        t = stage(timeline, "jackson", t);

        Wiring wiring = Wiring.fromEnvironment();
        t = stage(timeline, "wiring", t);

        IdentityHandler handler = new IdentityHandler(wiring);
        t = stage(timeline, "handler", t);

        boolean authenticated = event.getHeaders() != null && event.getHeaders().containsKey("authorization");
        if (authenticated) {
            wiring.secrets().get(wiring.config().jwtSecretId());
            t = stage(timeline, "secret", t);
        }

        APIGatewayV2HTTPResponse first = handler.handleRequest(event, new BenchContext());
        t = stage(timeline, "invoke1", t);
        long answered = t;
        timeline.put("status", first.getStatusCode());

        APIGatewayV2HTTPResponse second = handler.handleRequest(event, new BenchContext());
        t = stage(timeline, "invoke2", t);
        timeline.put("status2", second.getStatusCode());

        wiring.authService();
        stage(timeline, "auth_service", t);
        timeline.put("bcrypt_cost", wiring.config().bcryptCost());
        return timeline.finish(answered);
    }

    private static long stage(Timeline timeline, String name, long since) {
        long now = System.nanoTime();
        timeline.millis("stage_" + name + "_ms", since, now);
        return now;
    }
}
