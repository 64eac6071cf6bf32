package dev.gantry.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.gantry.shared.functions.FunctionSpec;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.http.RouteTable;
import dev.gantry.shared.ids.Ids;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The HTTP front: what API Gateway does in AWS. Each request becomes a payload 2.0 event, goes to
 * the function whose route table has the path (or to the first function, whose router answers the
 * 404 envelope), and the function's response is written back.
 */
final class ApiGatewayFront implements HttpHandler {
    /** The most body the front reads: above API Gateway's 10 MB, enough for GitHub's 25 MiB deliveries. */
    static final int MAX_BODY_BYTES = 26 * 1024 * 1024;
    /** An oversize body is read and dropped up to here (so the client sees the 413); past it the connection is closed. */
    static final long DRAIN_LIMIT_BYTES = 64L * 1024 * 1024;

    private static final Set<String> NOT_FORWARDED = Set.of("content-length", "transfer-encoding", "connection", "keep-alive");

    /** One function as deployed: its spec and its handler instance (one per "container"). */
    record Deployed(FunctionSpec spec, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler) {
        String functionName() { return "gantry-" + spec.name(); }
    }

    private final List<Deployed> functions;
    private final String region;

    ApiGatewayFront(List<Deployed> functions, String region) {
        if (functions.isEmpty()) throw new IllegalArgumentException("no functions");
        this.functions = List.copyOf(functions);
        this.region = region;
    }

    @Override
    public void handle(HttpExchange exchange) {
        try (exchange) {
            Instant received = Instant.now();
            String apiRequestId = ApiGatewayEvents.newApiRequestId();
            Body body = readBody(exchange);
            if (body.tooLarge()) {
                sendPayloadTooLarge(exchange, apiRequestId, body.drained());
                return;
            }
            var request = new ApiGatewayEvents.HttpRequest(exchange.getRequestMethod(), exchange.getRequestURI(),
                    exchange.getProtocol(), exchange.getRequestHeaders(), body.bytes(),
                    exchange.getRemoteAddress(), exchange.getLocalAddress(), received);
            APIGatewayV2HTTPEvent event = ApiGatewayEvents.toEvent(request, apiRequestId);
            Deployed target = route(event);
            APIGatewayV2HTTPResponse response;
            try {
                response = target.handler().handleRequest(event,
                        new LocalContext(target.functionName(), target.spec().memoryMb(), LocalContext.DEFAULT_TIMEOUT, region));
            } catch (RuntimeException | Error e) {
                // In AWS an invocation error reaches the client as API Gateway's own 500.
                System.err.println("gantry-local: " + target.functionName() + " failed on " + event.getRequestContext().getHttp().getMethod()
                        + " " + event.getRawPath() + " (" + apiRequestId + "):");
                e.printStackTrace();
                response = null;
            }
            if (response == null || response.getStatusCode() < 100 || response.getStatusCode() > 599 || !decodable(response)) {
                response = gatewayInternalError();
            }
            write(exchange, response, apiRequestId);
        } catch (IOException e) {
            // The client went away mid-request or mid-response: nothing to answer.
        }
    }

    /** The function whose routes match; else one that knows the path (405); else the first (404). */
    Deployed route(APIGatewayV2HTTPEvent event) {
        String method = event.getRequestContext().getHttp().getMethod().toUpperCase(Locale.ROOT);
        Deployed knowsPath = null;
        for (Deployed d : functions) {
            RouteTable.Match<?> match = d.spec().routes().match(method, event.getRawPath());
            if (match.route() != null) {
                ApiGatewayEvents.routed(event, match.route().routeKey(), match.params());
                return d;
            }
            if (knowsPath == null && !match.allowedMethods().isEmpty()) knowsPath = d;
        }
        return knowsPath != null ? knowsPath : functions.get(0);
    }

    private record Body(byte[] bytes, boolean tooLarge, boolean drained) {}

    private static Body readBody(HttpExchange exchange) throws IOException {
        long declared = -1;
        String cl = exchange.getRequestHeaders().getFirst("Content-Length");
        if (cl != null) {
            try {
                declared = Long.parseLong(cl.trim());
            } catch (NumberFormatException ignored) {
                // the server itself rejects a malformed length; be safe anyway
            }
        }
        InputStream in = exchange.getRequestBody();
        if (declared > MAX_BODY_BYTES) return new Body(null, true, drain(in, declared));
        byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        if (bytes.length > MAX_BODY_BYTES) return new Body(null, true, drain(in, -1));
        return new Body(bytes, false, true);
    }

    /** Reads and drops what is left, up to {@link #DRAIN_LIMIT_BYTES}; true when the body ended. */
    private static boolean drain(InputStream in, long declared) throws IOException {
        if (declared > DRAIN_LIMIT_BYTES) return false;
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            total += n;
            if (total > DRAIN_LIMIT_BYTES) return false;
        }
        return true;
    }

    private static void sendPayloadTooLarge(HttpExchange exchange, String apiRequestId, boolean drained) throws IOException {
        String requestId = Ids.newId("req");
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("error", "payload_too_large");
        envelope.put("message", "The body is larger than " + (MAX_BODY_BYTES / (1024 * 1024)) + " MiB.");
        envelope.put("request_id", requestId);
        byte[] bytes = Json.writeString(envelope).getBytes(StandardCharsets.UTF_8);
        Headers h = exchange.getResponseHeaders();
        h.set("Content-Type", "application/json; charset=utf-8");
        h.set("X-Request-Id", requestId);
        h.set("Cache-Control", "no-store");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("apigw-requestid", apiRequestId);
        if (!drained) h.set("Connection", "close");
        exchange.sendResponseHeaders(413, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** What API Gateway answers when the integration fails: its own 500, not the API's envelope. */
    private static APIGatewayV2HTTPResponse gatewayInternalError() {
        return APIGatewayV2HTTPResponse.builder().withStatusCode(500)
                .withHeaders(Map.of("Content-Type", "application/json"))
                .withBody("{\"message\":\"Internal Server Error\"}").build();
    }

    private static boolean decodable(APIGatewayV2HTTPResponse response) {
        if (!response.getIsBase64Encoded() || response.getBody() == null) return true;
        try {
            Base64.getDecoder().decode(response.getBody());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static void write(HttpExchange exchange, APIGatewayV2HTTPResponse response, String apiRequestId) throws IOException {
        int status = response.getStatusCode();
        Headers h = exchange.getResponseHeaders();
        if (response.getHeaders() != null) {
            response.getHeaders().forEach((name, value) -> {
                if (value != null && !NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) h.set(name, value);
            });
        }
        if (response.getMultiValueHeaders() != null) {
            response.getMultiValueHeaders().forEach((name, values) -> {
                if (values != null && !NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                    for (String v : values) h.add(name, v);
                }
            });
        }
        if (response.getCookies() != null) {
            for (String cookie : response.getCookies()) h.add("Set-Cookie", cookie);
        }
        h.set("apigw-requestid", apiRequestId);

        byte[] body = new byte[0];
        if (response.getBody() != null) {
            body = response.getIsBase64Encoded()
                    ? Base64.getDecoder().decode(response.getBody())
                    : response.getBody().getBytes(StandardCharsets.UTF_8);
        }
        boolean head = "HEAD".equalsIgnoreCase(exchange.getRequestMethod());
        if (status == 204 || status == 304 || status < 200) {
            exchange.sendResponseHeaders(status, -1);
        } else if (head) {
            h.set("Content-Length", String.valueOf(body.length));
            exchange.sendResponseHeaders(status, -1);
        } else if (body.length == 0) {
            exchange.sendResponseHeaders(status, -1); // Content-Length: 0
        } else {
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
