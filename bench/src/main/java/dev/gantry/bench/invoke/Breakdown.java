package dev.gantry.bench.invoke;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.shared.config.Wiring;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a function's cold start goes: the same work as {@link Invoke}, done in explicit stages,
 * each timed, in a fresh JVM on the same classpath (function jar + invoker). A stage's time is the
 * cost of everything first touched in it (class loading, static initialization, interpreted code),
 * so the order matters: it follows what a cold start touches first.
 *
 * <ol>
 *   <li>{@code stage_logging_ms}: the first SLF4J logger (Log4j 2 starts and reads its configuration);</li>
 *   <li>{@code stage_jackson_ms}: an ObjectMapper and the event deserialized;</li>
 *   <li>{@code stage_wiring_ms}: {@code Wiring.fromEnvironment()}: configuration, the DynamoDB and
 *       Secrets Manager SDK clients, Powertools' secrets provider (no network call);</li>
 *   <li>{@code stage_handler_ms}: the handler's {@code (Wiring)} constructor: router, route table, services;</li>
 *   <li>{@code stage_secret_ms} (API events with an authorization header only): the JWT secret fetched
 *       from Secrets Manager, as the first authenticated request does;</li>
 *   <li>{@code stage_invoke1_ms}, {@code stage_invoke2_ms}: the first and a second handleRequest
 *       with the same event (for a worker or a webhook receiver the second is a repeat, which may take a shorter path);</li>
 *   <li>{@code stage_auth_service_ms} (with {@code --auth-service}): {@code Wiring.authService()}, the
 *       bcrypt decoy hash at the configured cost: what the identity function's first signup or login adds.</li>
 * </ol>
 *
 * <pre>java -cp fn.jar:gantry-bench-invoker.jar dev.gantry.bench.invoke.Breakdown [--spawned-at=MS] [--auth-service] HANDLER_CLASS event.json</pre>
 */
public final class Breakdown {
    private Breakdown() {}

    public static void main(String[] args) {
        long mainEpochMillis = System.currentTimeMillis();
        long mainNanos = System.nanoTime();
        System.setProperty("org.crac.Core.Compat", Invoke.CRAC_COMPAT);
        Timeline timeline = new Timeline(mainEpochMillis, mainNanos, Timeline.spawnedAt(args));
        String[] rest = Timeline.rest(args);
        boolean authService = rest.length == 3 && rest[0].equals("--auth-service");
        if (rest.length != (authService ? 3 : 2)) {
            System.err.println("usage: Breakdown [--spawned-at=EPOCH_MILLIS] [--auth-service] HANDLER_CLASS EVENT_JSON");
            System.exit(2);
        }
        int at = authService ? 1 : 0;
        try {
            System.out.println(run(timeline, mainNanos, rest[at], Path.of(rest[at + 1]), authService));
            System.out.flush();
            System.exit(0);
        } catch (Throwable e) {
            System.err.println("gantry-invoke: failed: " + e);
            e.printStackTrace();
            System.err.flush();
            System.exit(1);
        }
    }

    @SuppressWarnings("unchecked")
    private static String run(Timeline timeline, long mainNanos, String handlerClass, Path eventFile, boolean authService) throws Exception {
        long t = mainNanos;

        org.slf4j.LoggerFactory.getLogger("dev.gantry.bench");
        t = stage(timeline, "logging", t);

        Class<?> type = Class.forName(handlerClass, false, Breakdown.class.getClassLoader());
        ObjectMapper json = Events.mapper();
        Object event = json.readValue(Files.readAllBytes(eventFile), Events.inputType(type));
        t = stage(timeline, "jackson", t);

        Wiring wiring = Wiring.fromEnvironment();
        t = stage(timeline, "wiring", t);

        RequestHandler<Object, Object> handler;
        try {
            handler = (RequestHandler<Object, Object>) type.getConstructor(Wiring.class).newInstance(wiring);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        t = stage(timeline, "handler", t);

        if (event instanceof APIGatewayV2HTTPEvent api && api.getHeaders() != null && api.getHeaders().containsKey("authorization")) {
            wiring.secrets().get(wiring.config().jwtSecretId());
            t = stage(timeline, "secret", t);
        }

        Object first = handler.handleRequest(event, new BenchContext());
        t = stage(timeline, "invoke1", t);
        long answered = t;
        timeline.put("status", Events.status(first));

        Object second = handler.handleRequest(event, new BenchContext());
        t = stage(timeline, "invoke2", t);
        timeline.put("status2", Events.status(second));

        if (authService) {
            wiring.authService();
            stage(timeline, "auth_service", t);
            timeline.put("bcrypt_cost", wiring.config().bcryptCost());
        }
        return timeline.finish(answered);
    }

    private static long stage(Timeline timeline, String name, long since) {
        long now = System.nanoTime();
        timeline.millis("stage_" + name + "_ms", since, now);
        return now;
    }
}
