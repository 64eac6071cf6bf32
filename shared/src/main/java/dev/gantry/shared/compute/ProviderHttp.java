package dev.gantry.shared.compute;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.observability.Tracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The HTTP plumbing both cloud drivers share: one JSON request with a bearer token, the answer
 * read up to 1 MiB, and a non-2xx answer turned into a {@link ProviderException}. One attempt per
 * call; {@link Retry} decides about more.
 * <p>
 * The token travels only in the Authorization header. Logs name the provider, method, path
 * template and status; a transport exception is logged by type only (its text may hold the URL).
 */
final class ProviderHttp {
    static final int MAX_RESPONSE_BYTES = 1024 * 1024;
    static final int MAX_PROVIDER_MESSAGE = 300;
    /** The timeout of a metrics request: it is made while an API request waits. */
    static final Duration METRICS_TIMEOUT = Duration.ofSeconds(4);
    private static final Logger LOG = LoggerFactory.getLogger(ProviderHttp.class);
    private static final String USER_AGENT = "Gantry";

    /** One answer: status, headers and the raw body. */
    record Reply(int status, HttpHeaders headers, byte[] body) {
        boolean ok() { return status >= 200 && status < 300; }
    }

    private final String provider;
    private final String baseUrl;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final Clock clock;
    private final Function<JsonNode, String> errorMessage;
    private final BiFunction<HttpHeaders, Instant, Duration> rateLimitWait;

    /**
     * @param provider      display name used in messages ("Hetzner Cloud")
     * @param errorMessage  where the provider puts its human-readable error text in a JSON body
     * @param rateLimitWait the wait a 429's provider-specific headers ask for (null when they do not say);
     *                      a standard Retry-After header, when present, wins
     */
    ProviderHttp(String provider, URI baseUrl, Clock clock, Duration connectTimeout, Duration requestTimeout,
                 Function<JsonNode, String> errorMessage, BiFunction<HttpHeaders, Instant, Duration> rateLimitWait) {
        this.provider = provider;
        String url = baseUrl.toString();
        this.baseUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.clock = clock;
        this.requestTimeout = requestTimeout;
        this.errorMessage = errorMessage;
        this.rateLimitWait = rateLimitWait;
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    String provider() { return provider; }

    /**
     * Sends one request and returns the answer whatever its status; only a failure to get an
     * answer throws (UNAVAILABLE, status 0).
     *
     * @param path the path after the base URL, starting with the API version ("/v1/servers/42")
     * @param what the endpoint for logs, without ids ("GET /v1/servers/{id}")
     */
    Reply send(String method, String path, String token, Object jsonBody, String what) {
        return send(method, path, token, jsonBody, what, requestTimeout);
    }

    /** {@link #send} with its own timeout, capped at the configured request timeout. */
    Reply send(String method, String path, String token, Object jsonBody, String what, Duration timeout) {
        return Tracing.remote(provider, () -> exchange(method, path, token, jsonBody, what, timeout));
    }

    private Reply exchange(String method, String path, String token, Object jsonBody, String what, Duration timeout) {
        checkToken(token);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(timeout.compareTo(requestTimeout) < 0 ? timeout : requestTimeout)
                .header("Accept", "application/json")
                .header("Authorization", "Bearer " + token)
                .header("User-Agent", USER_AGENT);
        if (jsonBody != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.write(jsonBody)));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<InputStream> r = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                byte[] body = in.readNBytes(MAX_RESPONSE_BYTES + 1);
                if (body.length > MAX_RESPONSE_BYTES) {
                    LOG.warn("{} {} answered more than {} bytes", provider, what, MAX_RESPONSE_BYTES);
                    throw ProviderException.unreadable(provider, r.statusCode());
                }
                if (r.statusCode() >= 300 && r.statusCode() != 404) LOG.info("{} {} answered {}", provider, what, r.statusCode());
                return new Reply(r.statusCode(), r.headers(), body);
            }
        } catch (IOException e) {
            LOG.warn("{} {} failed: {}", provider, what, e.getClass().getSimpleName());
            throw ProviderException.unavailable(provider, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProviderException.unavailable(provider, 0);
        }
    }

    /** The JSON object of a 2xx answer; UNAVAILABLE when it is not one. */
    JsonNode json(Reply reply) {
        try {
            JsonNode node = Json.mapper().readTree(reply.body());
            if (node == null || !node.isObject()) throw ProviderException.unreadable(provider, reply.status());
            return node;
        } catch (IOException e) {
            throw ProviderException.unreadable(provider, reply.status());
        }
    }

    /** The failure a non-2xx answer stands for. */
    ProviderException failure(Reply reply, String token) {
        int status = reply.status();
        if (status == 401) return ProviderException.invalidToken(provider, status);
        if (status == 429) return ProviderException.rateLimited(provider, retryAfter(reply.headers()));
        if (status >= 400 && status < 500) return ProviderException.rejected(provider, status, providerMessage(reply, token));
        return ProviderException.unavailable(provider, status); // 5xx, and 1xx/3xx nobody should send
    }

    /** The provider's error text, cleaned for display: control characters dropped, length capped, the token redacted. */
    String providerMessage(Reply reply, String token) {
        String message;
        try {
            JsonNode node = Json.mapper().readTree(reply.body());
            message = node == null ? null : errorMessage.apply(node);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (message == null) return null;
        String clean = message.replaceAll("\\p{Cntrl}", " ").strip();
        if (token != null && !token.isEmpty()) clean = clean.replace(token, "[redacted]");
        if (clean.length() > MAX_PROVIDER_MESSAGE) clean = clean.substring(0, MAX_PROVIDER_MESSAGE) + "…";
        return clean.isEmpty() ? null : clean;
    }

    /** Retry-After (seconds or an HTTP date) when present, else what the provider's own headers say. */
    Duration retryAfter(HttpHeaders headers) {
        Instant now = clock.instant();
        Duration standard = retryAfterHeader(headers, now);
        return standard != null ? standard : rateLimitWait.apply(headers, now);
    }

    static Duration retryAfterHeader(HttpHeaders headers, Instant now) {
        Optional<String> value = headers.firstValue("Retry-After");
        if (value.isEmpty()) return null;
        String v = value.get().strip();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return untilOrZero(now, at);
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    /** A header holding a Unix epoch in seconds, or empty when absent or not a number. */
    static Optional<Instant> epochHeader(HttpHeaders headers, String name) {
        return headers.firstValue(name).flatMap(v -> {
            try {
                return Optional.of(Instant.ofEpochSecond(Long.parseLong(v.strip())));
            } catch (NumberFormatException | java.time.DateTimeException e) {
                return Optional.empty();
            }
        });
    }

    static Optional<Long> longHeader(HttpHeaders headers, String name) {
        return headers.firstValue(name).flatMap(v -> {
            try {
                return Optional.of(Long.parseLong(v.strip()));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    static Duration untilOrZero(Instant now, Instant at) {
        Duration d = Duration.between(now, at);
        return d.isNegative() ? Duration.ZERO : d;
    }

    /**
     * Runs independent calls at once on virtual threads and returns their results in order; the
     * first failure (in list order) is rethrown as it was, so a ProviderException keeps its kind.
     */
    static <T> List<T> all(List<Supplier<T>> calls) {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<T>> futures = new ArrayList<>();
            for (Supplier<T> c : calls) futures.add(pool.submit(c::get));
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    if (e.getCause() instanceof Error err) throw err;
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted");
                }
            }
            return out;
        }
    }

    /** A sample value as the monitoring APIs send it (a string, sometimes a number); null when absent or not finite. */
    static Double sampleValue(JsonNode v) {
        if (v == null) return null;
        double d;
        if (v.isNumber()) d = v.doubleValue();
        else if (v.isTextual()) {
            try {
                d = Double.parseDouble(v.textValue().strip());
            } catch (NumberFormatException e) {
                return null;
            }
        } else return null;
        return Double.isFinite(d) ? d : null;
    }

    /** A sample timestamp: Unix seconds, possibly fractional, as a number or a string; null when unreadable. */
    static Instant sampleTime(JsonNode t) {
        Double seconds = sampleValue(t);
        if (seconds == null || seconds < 0 || seconds > 1e11) return null;
        return Instant.ofEpochMilli(Math.round(seconds * 1000));
    }

    static Double clampPct(double v) {
        return Math.max(0.0, Math.min(100.0, v));
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    /**
     * Refuses a token no HTTP header could carry before it reaches the JDK, whose own error for a
     * bad header value would quote the value (the token) in its message.
     */
    private void checkToken(String token) {
        if (token == null || token.isBlank() || token.length() > 4096) throw ProviderException.malformedToken(provider);
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < 0x21 || c > 0x7e) throw ProviderException.malformedToken(provider);
        }
    }
}
