package dev.gantry.bench.invoke;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.bench.invoke.crac.Core;

import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Plays the Lambda runtime for one cold start, in a JVM whose classpath is only the function's
 * shaded jar and this invoker: loads the handler class by name and calls its no-arg constructor
 * (configuration comes from the environment, as in Lambda), reads the event from a file (its type
 * is the handler's input type: see {@link Events}), calls {@code handleRequest} once, serializes
 * the answer, prints one {@link Timeline} line and exits.
 *
 * <pre>
 * java -cp fn.jar:gantry-bench-invoker.jar dev.gantry.bench.invoke.Invoke \
 *     [--spawned-at=EPOCH_MILLIS] [--snapshot | --snapshot-no-hooks] HANDLER_CLASS event.json
 * java -cp ... dev.gantry.bench.invoke.Invoke [--spawned-at=EPOCH_MILLIS] --baseline
 * </pre>
 *
 * <p>Like the Lambda runtime, it sets {@code org.crac.Core.Compat} before the handler loads, so an
 * {@code org.crac.Resource} the handler registers lands in {@link Core}'s context. {@code --snapshot}
 * stands in for a SnapStart snapshot and restore after init: the registered hooks run
 * ({@code beforeCheckpoint} = the priming, then {@code afterRestore}), and the timing of the first
 * request restarts from there. {@code --snapshot-no-hooks} does the same without running the hooks:
 * SnapStart without priming. No memory is snapshotted or restored here: what this measures is the
 * work left for the first request after init (and priming), with the JVM exactly as init left it.
 *
 * <p>Fields: {@code status}, {@code init_ms} (handler class loading + constructor), {@code parse_ms}
 * (read and deserialize the event), {@code invoke_ms} (the first handleRequest), {@code respond_ms}
 * (serialize the answer), {@code jvm_to_main_ms}, {@code jvm_to_answer_ms} (JVM start to the
 * serialized answer), {@code spawn_to_answer_ms} (from the parent's spawn timestamp), {@code classes};
 * with a snapshot mode also {@code hooks}, {@code hooks_ms}, {@code classes_at_restore} and
 * {@code restore_to_answer_ms}; for a batch answer {@code failures}.
 * {@code --baseline} loads no handler: it reports what the JVM and the invoker alone load.
 * Exit status: 0 when the handler answered (whatever the status), 1 when it threw, 2 on bad usage.
 *
 * <p>Uses only the JDK, aws-lambda-java-core/events and Jackson: all inside the function jar.
 */
public final class Invoke {
    /** The package of the bench's CRaC implementation (see {@link Core}). */
    public static final String CRAC_COMPAT = "dev.gantry.bench.invoke.crac";

    private Invoke() {}

    enum Mode { COLD, SNAPSHOT, SNAPSHOT_NO_HOOKS }

    public static void main(String[] args) {
        long mainEpochMillis = System.currentTimeMillis();
        long mainNanos = System.nanoTime();
        System.setProperty("org.crac.Core.Compat", CRAC_COMPAT);
        Timeline timeline = new Timeline(mainEpochMillis, mainNanos, Timeline.spawnedAt(args));
        String[] rest = Timeline.rest(args);
        if (rest.length == 1 && rest[0].equals("--baseline")) {
            timeline.put("status", 0);
            System.out.println(timeline.finish(System.nanoTime()));
            System.out.flush();
            System.exit(0);
        }
        Mode mode = Mode.COLD;
        if (rest.length == 3 && rest[0].equals("--snapshot")) mode = Mode.SNAPSHOT;
        else if (rest.length == 3 && rest[0].equals("--snapshot-no-hooks")) mode = Mode.SNAPSHOT_NO_HOOKS;
        else if (rest.length != 2) {
            System.err.println("usage: Invoke [--spawned-at=EPOCH_MILLIS] [--snapshot | --snapshot-no-hooks] HANDLER_CLASS EVENT_JSON | Invoke --baseline");
            System.exit(2);
        }
        int at = mode == Mode.COLD ? 0 : 1;
        try {
            System.out.println(run(timeline, mainNanos, mode, rest[at], Path.of(rest[at + 1])));
            System.out.flush();
            System.exit(0);
        } catch (Throwable e) {
            System.err.println("gantry-invoke: failed: " + e);
            e.printStackTrace();
            System.err.flush();
            System.exit(1);
        }
    }

    private static String run(Timeline timeline, long mainNanos, Mode mode, String handlerClass, Path eventFile) throws Exception {
        // Init, as Lambda does it: load the class, call the public no-arg constructor.
        RequestHandler<Object, Object> handler = instantiate(handlerClass);
        long initialized = System.nanoTime();
        long start = initialized;
        if (mode != Mode.COLD) {
            timeline.put("hooks", Core.registered());
            if (mode == Mode.SNAPSHOT) Core.checkpointRestore();
            long restored = System.nanoTime();
            timeline.millis("hooks_ms", initialized, restored);
            // Read here, before the clock restarts: what the snapshot already holds is not on the restored path.
            timeline.put("classes_at_restore", ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount());
            RestoreMarker.reached();
            start = System.nanoTime();
        }

        ObjectMapper json = Events.mapper();
        Class<?> type = Events.inputType(handler.getClass());
        Object event = json.readValue(Files.readAllBytes(eventFile), type);
        long parsed = System.nanoTime();

        Object answer = handler.handleRequest(event, new BenchContext());
        long invoked = System.nanoTime();

        byte[] bytes = json.writeValueAsBytes(answer);
        long answered = System.nanoTime();

        int status = Events.status(answer);
        timeline.put("status", status);
        if (Events.failures(answer) > 0) timeline.put("failures", Events.failures(answer));
        timeline.millis("init_ms", mainNanos, initialized);
        timeline.millis("parse_ms", start, parsed);
        timeline.millis("invoke_ms", parsed, invoked);
        timeline.millis("respond_ms", invoked, answered);
        if (mode != Mode.COLD) timeline.millis("restore_to_answer_ms", start, answered);
        timeline.put("answer_bytes", bytes.length);
        if (status >= 400) System.err.println("gantry-invoke: answer: " + new String(bytes, StandardCharsets.UTF_8));
        return timeline.finish(answered);
    }

    @SuppressWarnings("unchecked")
    static RequestHandler<Object, Object> instantiate(String handlerClass) throws Exception {
        Class<?> type = Class.forName(handlerClass);
        if (!RequestHandler.class.isAssignableFrom(type)) throw new IllegalArgumentException(handlerClass + " is not a RequestHandler");
        try {
            return (RequestHandler<Object, Object>) type.getConstructor().newInstance();
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
