package dev.gantry.local;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns an HTTP request into the event API Gateway (HTTP API, payload format 2.0) hands a Lambda
 * function: lower-case header names with repeated headers comma-joined, the Cookie header moved to
 * {@code cookies}, decoded query parameters with repeated keys comma-joined, the body as text when
 * it is valid UTF-8 of a textual type and base64 otherwise, and the client address from the TCP
 * connection (a client-supplied header never decides {@code sourceIp}).
 */
public final class ApiGatewayEvents {
    public static final String ACCOUNT_ID = "000000000000";
    public static final String API_ID = "gantrylocal";
    private static final DateTimeFormatter CLF_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the front read off the wire. Header names as received; values in order of arrival. */
    public record HttpRequest(String method, URI uri, String protocol, Map<String, List<String>> headers, byte[] body,
                              InetSocketAddress remote, InetSocketAddress local, Instant time) {}

    private ApiGatewayEvents() {}

    /** An API Gateway request id: 16 characters of base64 like {@code JKJaXmPLvHcESHA=}. */
    public static String newApiRequestId() {
        byte[] b = new byte[11];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    /**
     * The event for the {@code $default} route; {@link #routed} fills in the matched route.
     */
    public static APIGatewayV2HTTPEvent toEvent(HttpRequest request, String apiRequestId) {
        String rawPath = request.uri().getRawPath();
        if (rawPath == null || rawPath.isEmpty()) rawPath = "/";
        String rawQuery = request.uri().getRawQuery();

        Map<String, String> headers = new LinkedHashMap<>();
        List<String> cookies = new ArrayList<>();
        request.headers().forEach((name, values) -> {
            String key = name.toLowerCase(Locale.ROOT);
            if (key.equals("cookie")) {
                for (String v : values) {
                    for (String c : v.split(";")) {
                        String t = c.trim();
                        if (!t.isEmpty()) cookies.add(t);
                    }
                }
                return;
            }
            String joined = String.join(",", values);
            headers.merge(key, joined, (a, b) -> a + "," + b);
        });

        String sourceIp = request.remote().getAddress().getHostAddress();
        // API Gateway appends the address it saw to X-Forwarded-For and states the scheme and port.
        headers.merge("x-forwarded-for", sourceIp, (a, b) -> a + ", " + b);
        headers.put("x-forwarded-proto", "http");
        headers.put("x-forwarded-port", String.valueOf(request.local().getPort()));

        String host = headers.getOrDefault("host", "localhost");
        String contentType = headers.get("content-type");

        APIGatewayV2HTTPEvent.RequestContext.Http http = new APIGatewayV2HTTPEvent.RequestContext.Http();
        http.setMethod(request.method());
        http.setPath(rawPath);
        http.setProtocol(request.protocol());
        http.setSourceIp(sourceIp);
        http.setUserAgent(headers.get("user-agent"));

        APIGatewayV2HTTPEvent.RequestContext ctx = new APIGatewayV2HTTPEvent.RequestContext();
        ctx.setAccountId(ACCOUNT_ID);
        ctx.setApiId(API_ID);
        ctx.setDomainName(host);
        ctx.setDomainPrefix(host.contains(".") ? host.substring(0, host.indexOf('.')) : host);
        ctx.setHttp(http);
        ctx.setRequestId(apiRequestId);
        ctx.setRouteKey("$default");
        ctx.setStage("$default");
        ctx.setTime(CLF_TIME.format(request.time()));
        ctx.setTimeEpoch(request.time().toEpochMilli());

        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setVersion("2.0");
        event.setRouteKey("$default");
        event.setRawPath(rawPath);
        event.setRawQueryString(rawQuery == null ? "" : rawQuery);
        event.setCookies(cookies.isEmpty() ? null : cookies);
        event.setHeaders(headers);
        event.setQueryStringParameters(parseQuery(rawQuery));
        event.setRequestContext(ctx);

        byte[] body = request.body();
        if (body != null && body.length > 0) {
            String text = isTextual(contentType) ? utf8(body) : null;
            if (text != null) {
                event.setBody(text);
                event.setIsBase64Encoded(false);
            } else {
                event.setBody(Base64.getEncoder().encodeToString(body));
                event.setIsBase64Encoded(true);
            }
        } else {
            event.setIsBase64Encoded(false);
        }
        return event;
    }

    /** Marks the event as routed by {@code routeKey} (e.g. {@code GET /v1/plans/{name}}) with its path parameters. */
    public static void routed(APIGatewayV2HTTPEvent event, String routeKey, Map<String, String> pathParameters) {
        event.setRouteKey(routeKey);
        event.getRequestContext().setRouteKey(routeKey);
        event.setPathParameters(pathParameters == null || pathParameters.isEmpty() ? null : new LinkedHashMap<>(pathParameters));
    }

    /** Decoded names and values; a repeated name's values comma-joined in order; null when there are none. */
    static Map<String, String> parseQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) return null;
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (name.isEmpty()) continue;
            params.merge(name, value, (a, b) -> a + "," + b);
        }
        return params.isEmpty() ? null : params;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s; // a malformed escape is passed on as sent
        }
    }

    /** Types API Gateway passes as text: text/*, JSON, XML, JavaScript (including +json / +xml). */
    static boolean isTextual(String contentType) {
        if (contentType == null) return false;
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return type.startsWith("text/")
                || type.equals("application/json") || type.endsWith("+json")
                || type.equals("application/xml") || type.endsWith("+xml")
                || type.equals("application/javascript");
    }

    /** The text when the bytes are valid UTF-8, else null. */
    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
