package dev.gantry.bench.invoke;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/**
 * What the invoker needs to know about a handler's event and answer, whatever the trigger: API
 * Gateway v2, SQS, a DynamoDB stream or a schedule.
 *
 * <p>The event type is the handler's {@code RequestHandler<I, O>} type argument (a raw {@code Map}
 * for a scheduled event), as the Lambda runtime reads it. The runtime deserializes events with its
 * own serialization library; here a plain Jackson mapper that matches property names regardless of
 * case stands in ({@code Records}, {@code eventSourceARN}, DynamoDB's {@code S}/{@code N}).
 *
 * <p>The "status" of an answer: an API answer's HTTP status; for a batch (SQS, stream) 200 when no
 * item failed and 500 when one did (Lambda would retry it); anything else 200.
 */
public final class Events {
    private Events() {}

    public static ObjectMapper mapper() {
        return JsonMapper.builder()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .configure(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES, true)
                .build();
    }

    /** The {@code I} of the handler's {@code RequestHandler<I, O>}, looked up through its superclasses. */
    public static Class<?> inputType(Class<?> handler) {
        for (Class<?> c = handler; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Type t : c.getGenericInterfaces()) {
                if (t instanceof ParameterizedType p && p.getRawType() == RequestHandler.class) {
                    Type input = p.getActualTypeArguments()[0];
                    if (input instanceof Class<?> k) return k;
                    if (input instanceof ParameterizedType pi && pi.getRawType() instanceof Class<?> k) return k;
                }
            }
        }
        throw new IllegalArgumentException(handler.getName() + " does not implement RequestHandler<I, O> with a concrete I");
    }

    /** The answer's status, as described in the class comment. */
    public static int status(Object answer) {
        if (answer instanceof APIGatewayV2HTTPResponse r) return r.getStatusCode();
        return failures(answer) > 0 ? 500 : 200;
    }

    /** Batch items the answer reports as failed (0 for answers that are not batch answers). */
    public static int failures(Object answer) {
        if (answer instanceof SQSBatchResponse r) return r.getBatchItemFailures() == null ? 0 : r.getBatchItemFailures().size();
        if (answer instanceof StreamsEventResponse r) return r.getBatchItemFailures() == null ? 0 : r.getBatchItemFailures().size();
        return 0;
    }
}
