package dev.gantry.shared.observability;

import com.amazonaws.services.lambda.runtime.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.environment.EnvironmentProvider;
import software.amazon.cloudwatchlogs.emf.environment.LambdaEnvironment;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;
import software.amazon.cloudwatchlogs.emf.sinks.ISink;
import software.amazon.lambda.powertools.common.internal.LambdaHandlerProcessor;
import software.amazon.lambda.powertools.metrics.internal.EmfMetricsLogger;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;
import software.amazon.lambda.powertools.metrics.provider.MetricsProvider;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The metrics port on Powertools for AWS Lambda's metrics (the functional API, no AspectJ): one
 * invocation's points are buffered on its thread and written when it ends, as CloudWatch embedded
 * metric format (EMF) documents on stdout, which CloudWatch Logs turns into metrics. One document
 * per distinct dimension map: each carries the function's {@code Service} dimension set and, when
 * the map is not empty, the map's own set, so every metric is published both per Service and per
 * (say) Route. A cold start (Powertools' rule: the first invocation of an on-demand environment,
 * so not a SnapStart restore) adds a {@code ColdStart} document, as Powertools' own does.
 *
 * <p>Each invocation gets its own Powertools {@code Metrics} instance from a provider whose EMF
 * environment is fixed to Lambda's (stdout): Powertools' default provider would let the EMF
 * library probe for an environment, and outside Lambda that probe calls the EC2 metadata address.
 * Per-invocation instances also keep concurrent invocations of the local server or a test apart.
 */
public final class EmfMetrics implements Metrics {
    private static final Logger LOG = LoggerFactory.getLogger(EmfMetrics.class);
    public static final String DEFAULT_NAMESPACE = "Gantry";
    public static final String COLD_START = "ColdStart";

    private final String namespace;
    private final String service;
    private final MetricsProvider provider;
    private final BooleanSupplier coldStart;
    private final ThreadLocal<List<Point>> open = new ThreadLocal<>();

    private record Point(String name, double value, Unit unit, Map<String, String> dimensions) {}

    /** {@code service}: the Service dimension (null: none). */
    public EmfMetrics(String namespace, String service) {
        this(namespace, service, LambdaHandlerProcessor::isColdStart);
    }

    /** {@code coldStart}: whether this invocation is a cold start (Powertools' answer in Lambda; tests choose). */
    EmfMetrics(String namespace, String service, BooleanSupplier coldStart) {
        this.namespace = namespace;
        this.service = service;
        this.coldStart = coldStart;
        this.provider = () -> new EmfMetricsLogger(StdoutEnvironment.INSTANCE, new MetricsContext());
        warmUp();
    }

    /**
     * Writes one document to nowhere, so the classes and serializers of the first write are loaded
     * in the init phase (and in the SnapStart snapshot) rather than in the first invocation, which
     * measured a few hundred ms slower without it (docs/observability.md).
     */
    private void warmUp() {
        try {
            var document = new EmfMetricsLogger(StdoutEnvironment.DISCARD, new MetricsContext());
            document.setNamespace(namespace);
            if (service != null && !service.isBlank()) document.setDefaultDimensions(DimensionSet.of("Service", service));
            document.addDimension(DimensionSet.of(ROUTE, "warm-up"));
            document.addMetric(REQUESTS, 1, MetricUnit.COUNT);
            document.addMetric(LATENCY, 1, MetricUnit.MILLISECONDS);
            document.flush();
        } catch (RuntimeException e) {
            LOG.warn("metrics warm-up failed: {}", e.toString());
        }
    }

    /**
     * In Lambda: EMF under POWERTOOLS_METRICS_NAMESPACE (default {@value #DEFAULT_NAMESPACE}) with
     * Service = POWERTOOLS_SERVICE_NAME, unless POWERTOOLS_METRICS_DISABLED=true. Elsewhere: {@link #NONE}.
     */
    public static Metrics fromEnvironment() {
        return from(System.getenv());
    }

    static Metrics from(Map<String, String> env) {
        if (env.get("AWS_LAMBDA_FUNCTION_NAME") == null || "true".equalsIgnoreCase(env.get("POWERTOOLS_METRICS_DISABLED"))) return NONE;
        String namespace = env.getOrDefault("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_NAMESPACE);
        return new EmfMetrics(namespace.isBlank() ? DEFAULT_NAMESPACE : namespace, env.get("POWERTOOLS_SERVICE_NAME"));
    }

    @Override
    public void put(String name, double value, Unit unit, Map<String, String> dimensions) {
        List<Point> points = open.get();
        if (points != null) points.add(new Point(name, value, unit, new TreeMap<>(dimensions)));
    }

    @Override
    public <T> T invocation(Context context, Supplier<T> body) {
        if (open.get() != null) return body.get(); // nested: the outer invocation writes
        open.set(new ArrayList<>());
        try {
            coldStart(context);
            return body.get();
        } finally {
            List<Point> points = open.get();
            open.remove();
            write(points, context);
        }
    }

    /**
     * Powertools' ColdStart metric, in its own document under Service alone. The check must run
     * before Powertools logging marks the cold start done ({@link Invocations} orders them).
     */
    private void coldStart(Context context) {
        try {
            if (!coldStart.getAsBoolean()) return;
            var document = newDocument(context);
            document.addMetric(COLD_START, 1, MetricUnit.COUNT);
            document.flush();
        } catch (RuntimeException e) {
            LOG.warn("cold start metric not written: {}", e.toString());
        }
    }

    private void write(List<Point> points, Context context) {
        Map<Map<String, String>, List<Point>> byDimensions = new LinkedHashMap<>();
        for (Point p : points) byDimensions.computeIfAbsent(p.dimensions(), k -> new ArrayList<>()).add(p);
        for (var group : byDimensions.entrySet()) {
            try {
                var document = newDocument(context);
                if (!group.getKey().isEmpty()) document.addDimension(DimensionSet.of(group.getKey()));
                for (Point p : group.getValue()) document.addMetric(p.name(), p.value(), unit(p.unit()));
                document.flush();
            } catch (RuntimeException e) {
                // A metric must never fail the work it measures; the message names the rule broken, not values.
                LOG.warn("metrics {} not written: {}", group.getValue().stream().map(Point::name).distinct().toList(), e.getMessage());
            }
        }
    }

    private software.amazon.lambda.powertools.metrics.Metrics newDocument(Context context) {
        var m = provider.getMetricsInstance();
        m.setNamespace(namespace);
        if (service != null && !service.isBlank()) m.setDefaultDimensions(DimensionSet.of("Service", service));
        if (context != null && context.getAwsRequestId() != null) m.addMetadata("function_request_id", context.getAwsRequestId());
        return m;
    }

    private static MetricUnit unit(Unit unit) {
        return switch (unit) {
            case COUNT -> MetricUnit.COUNT;
            case MILLISECONDS -> MetricUnit.MILLISECONDS;
        };
    }

    /** The EMF library's Lambda environment (stdout sink), without its environment discovery. */
    private static final class StdoutEnvironment extends EnvironmentProvider {
        static final StdoutEnvironment INSTANCE = new StdoutEnvironment(new LambdaEnvironment());
        /** The same, serializing each document and dropping it (the warm-up). */
        static final StdoutEnvironment DISCARD = new StdoutEnvironment(new LambdaEnvironment() {
            @Override
            public ISink getSink() {
                return new ISink() {
                    @Override
                    public void accept(MetricsContext context) {
                        try {
                            context.serialize();
                        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                            throw new IllegalStateException(e);
                        }
                    }

                    @Override
                    public CompletableFuture<Void> shutdown() {
                        return CompletableFuture.completedFuture(null);
                    }
                };
            }
        });
        private final Environment lambda;

        private StdoutEnvironment(Environment lambda) {
            this.lambda = lambda;
        }

        @Override
        public CompletableFuture<Environment> resolveEnvironment() {
            return CompletableFuture.completedFuture(lambda);
        }

        @Override
        public Environment getDefaultEnvironment() {
            return lambda;
        }
    }
}
