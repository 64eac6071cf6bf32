package dev.gantry.shared.testing;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.shared.http.Json;

import java.util.HashMap;
import java.util.Map;

/** Builds API Gateway v2 events the way API Gateway would, for handler and router tests. */
public final class Http {
    private Http() {}

    public static APIGatewayV2HTTPEvent event(String method, String path, String body, Map<String, String> headers) {
        String rawPath = path, rawQuery = "";
        Map<String, String> query = null;
        int q = path.indexOf('?');
        if (q >= 0) {
            rawPath = path.substring(0, q);
            rawQuery = path.substring(q + 1);
            query = new HashMap<>();
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) continue;
                int eq = pair.indexOf('=');
                String k = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), java.nio.charset.StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
                query.merge(k, v, (a, b) -> a + "," + b);
            }
        }
        Map<String, String> h = new HashMap<>();
        if (body != null) h.put("content-type", "application/json");
        if (headers != null) headers.forEach((k, v) -> {
            if (v == null) h.remove(k.toLowerCase()); else h.put(k.toLowerCase(), v);
        });
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0").withRouteKey("$default").withRawPath(rawPath).withRawQueryString(rawQuery)
                .withQueryStringParameters(query).withHeaders(h).withBody(body).withIsBase64Encoded(false)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId("test").withStage("$default")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(method).withPath(rawPath).withProtocol("HTTP/1.1").withSourceIp("203.0.113.7").build())
                        .build())
                .build();
    }

    public static Map<String, String> bearer(String token) {
        return Map.of("authorization", "Bearer " + token);
    }

    public static JsonNode json(APIGatewayV2HTTPResponse response) {
        return response.getBody() == null ? null : Json.readTree(response.getBody());
    }
}
