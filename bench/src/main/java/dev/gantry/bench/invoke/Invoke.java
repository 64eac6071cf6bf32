package dev.gantry.bench.invoke;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Plays the Lambda runtime for one cold start, in a JVM whose classpath is only the function's
 * shaded jar and this invoker: loads the handler class by name and calls its no-arg constructor
 * (configuration comes from the environment, as in Lambda), reads an API Gateway v2 event from a
 * file, calls {@code handleRequest} once, serializes the response, prints one {@link Timeline}
 * line and exits.
 *
 * <pre>
 * java -cp identity.jar:gantry-bench-invoker.jar dev.gantry.bench.invoke.Invoke \
 *     [--spawned-at=EPOCH_MILLIS] dev.gantry.functions.identity.IdentityHandler event.json
 * java -cp ... dev.gantry.bench.invoke.Invoke [--spawned-at=EPOCH_MILLIS] --baseline
 * </pre>
 *
 * Fields: {@code status}, {@code init_ms} (handler class loading + constructor), {@code parse_ms}
 * (read and deserialize the event), {@code invoke_ms} (the first handleRequest), {@code respond_ms}
 * (serialize the response), {@code jvm_to_main_ms}, {@code jvm_to_answer_ms} (JVM start to the
 * serialized answer), {@code spawn_to_answer_ms} (from the parent's spawn timestamp), {@code classes}.
 * {@code --baseline} loads no handler: it reports what the JVM and the invoker alone load.
 * Exit status: 0 when the handler answered (whatever the HTTP status), 1 when it threw, 2 on bad usage.
 *
 * <p>Uses only the JDK, aws-lambda-java-core/events and Jackson: all inside the function jar.
 */
public final class Invoke {
    private Invoke() {}

    public static void main(String[] args) {
        long mainEpochMillis = System.currentTimeMillis();
        long mainNanos = System.nanoTime();
        Timeline timeline = new Timeline(mainEpochMillis, mainNanos, Timeline.spawnedAt(args));
        String[] rest = Timeline.rest(args);
        if (rest.length == 1 && rest[0].equals("--baseline")) {
            timeline.put("status", 0);
            System.out.println(timeline.finish(System.nanoTime()));
            System.out.flush();
            System.exit(0);
        }
        if (rest.length != 2) {
            System.err.println("usage: Invoke [--spawned-at=EPOCH_MILLIS] HANDLER_CLASS EVENT_JSON | Invoke --baseline");
            System.exit(2);
        }
        try {
            System.out.println(run(timeline, mainNanos, rest[0], Path.of(rest[1])));
            System.out.flush();
            System.exit(0);
        } catch (Throwable e) {
            System.err.println("gantry-invoke: failed: " + e);
            e.printStackTrace();
            System.err.flush();
            System.exit(1);
        }
    }

    private static String run(Timeline timeline, long mainNanos, String handlerClass, Path eventFile) throws Exception {
        // Init, as Lambda does it: load the class, call the public no-arg constructor.
        RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler = instantiate(handlerClass);
        long initialized = System.nanoTime();

        ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        APIGatewayV2HTTPEvent event = json.readValue(Files.readAllBytes(eventFile), APIGatewayV2HTTPEvent.class);
        long parsed = System.nanoTime();

        APIGatewayV2HTTPResponse response = handler.handleRequest(event, new BenchContext());
        long invoked = System.nanoTime();

        byte[] answer = json.writeValueAsBytes(response);
        long answered = System.nanoTime();

        timeline.put("status", response.getStatusCode());
        timeline.millis("init_ms", mainNanos, initialized);
        timeline.millis("parse_ms", initialized, parsed);
        timeline.millis("invoke_ms", parsed, invoked);
        timeline.millis("respond_ms", invoked, answered);
        timeline.put("answer_bytes", answer.length);
        if (response.getStatusCode() >= 400) System.err.println("gantry-invoke: answer: " + new String(answer, java.nio.charset.StandardCharsets.UTF_8));
        return timeline.finish(answered);
    }

    @SuppressWarnings("unchecked")
    static RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> instantiate(String handlerClass) throws Exception {
        Class<?> type = Class.forName(handlerClass);
        if (!RequestHandler.class.isAssignableFrom(type)) throw new IllegalArgumentException(handlerClass + " is not a RequestHandler");
        try {
            return (RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>) type.getConstructor().newInstance();
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
