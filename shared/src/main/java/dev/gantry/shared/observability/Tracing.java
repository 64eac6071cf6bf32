package dev.gantry.shared.observability;

import com.amazonaws.xray.AWSXRayRecorder;
import com.amazonaws.xray.AWSXRayRecorderBuilder;
import com.amazonaws.xray.entities.Subsegment;
import com.amazonaws.xray.interceptors.TracingInterceptor;
import com.amazonaws.xray.strategy.IgnoreErrorContextMissingStrategy;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * X-Ray subsegments, in the shape Powertools tracing gives them (docs/observability.md): a
 * {@code ## handleRequest} subsegment per invocation annotated with {@code ColdStart} and
 * {@code Service}, one subsegment per AWS SDK call (DynamoDB, SQS, Secrets Manager: the X-Ray SDK's
 * interceptor), and one per outbound HTTP call, named after the remote side, never its URL.
 * Lambda's active tracing records the invocation itself; this adds what happens inside it.
 *
 * <p>On only inside Lambda ({@code LAMBDA_TASK_ROOT} set) and unless
 * {@code POWERTOOLS_TRACE_DISABLED=true}. Off, every method runs its body and nothing else, and no
 * X-Ray class is loaded ({@link XRay} is only touched when on), so tests, the local server and a
 * function with tracing disabled pay nothing and log nothing.
 */
public final class Tracing {
    private static final boolean ENABLED = enabled(System.getenv());

    private Tracing() {}

    static boolean enabled(Map<String, String> env) {
        return env.get("LAMBDA_TASK_ROOT") != null && !"true".equalsIgnoreCase(env.get("POWERTOOLS_TRACE_DISABLED"));
    }

    public static boolean enabled() {
        return ENABLED;
    }

    /** The interceptor that records each AWS SDK call as a subsegment; none when tracing is off. */
    public static List<ExecutionInterceptor> sdkInterceptors() {
        return ENABLED ? List.of(XRay.interceptor()) : List.of();
    }

    /** The handler's subsegment (Powertools' {@code ## handleRequest}). */
    public static <T> T handler(boolean coldStart, String service, Supplier<T> body) {
        if (!ENABLED) return body.get();
        return XRay.subsegment("## handleRequest", null, Map.of("ColdStart", coldStart, "Service", service == null ? "service_undefined" : service), body);
    }

    /** An outbound call to {@code remote} (a fixed name: "GitHub", "Hetzner", "webhook endpoint"), as a remote subsegment. */
    public static <T> T remote(String remote, Supplier<T> body) {
        if (!ENABLED) return body.get();
        return XRay.subsegment(remote, "remote", Map.of(), body);
    }

    /** Annotates the current subsegment (searchable in X-Ray); bounded values only, like metric dimensions. */
    public static void annotate(String key, String value) {
        if (ENABLED && value != null) XRay.annotate(key, value);
    }

    /** Everything that names an X-Ray class: loaded on the first traced call, never when tracing is off. */
    static final class XRay {
        /** Powertools' choice too: a missing context (no trace header) is not an error worth a log line. */
        static final AWSXRayRecorder RECORDER = AWSXRayRecorderBuilder.standard()
                .withContextMissingStrategy(new IgnoreErrorContextMissingStrategy())
                .build();
        static final TracingInterceptor INTERCEPTOR = new TracingInterceptor(RECORDER, null, null);

        static ExecutionInterceptor interceptor() {
            return INTERCEPTOR;
        }

        static <T> T subsegment(String name, String namespace, Map<String, Object> annotations, Supplier<T> body) {
            Subsegment s = RECORDER.beginSubsegment(name);
            try {
                if (namespace != null) s.setNamespace(namespace);
                annotations.forEach((k, v) -> {
                    if (v instanceof Boolean b) s.putAnnotation(k, b);
                    else s.putAnnotation(k, String.valueOf(v));
                });
                return body.get();
            } catch (RuntimeException | Error e) {
                s.addException(e);
                throw e;
            } finally {
                RECORDER.endSubsegment();
            }
        }

        static void annotate(String key, String value) {
            var entity = RECORDER.getTraceEntity();
            if (entity != null) entity.putAnnotation(key, value);
        }
    }
}
