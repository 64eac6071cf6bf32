package dev.gantry.local;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ApiGatewayEventsTest {
    private static final InetSocketAddress PEER = new InetSocketAddress("203.0.113.7", 51234);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 8080);
    private static final Instant TIME = Instant.parse("2026-11-23T17:40:00Z");

    private static APIGatewayV2HTTPEvent event(String method, String target, Map<String, List<String>> headers, byte[] body) {
        var request = new ApiGatewayEvents.HttpRequest(method, URI.create(target), "HTTP/1.1", headers, body, PEER, LOCAL, TIME);
        return ApiGatewayEvents.toEvent(request, "JKJaXmPLvHcESHA=");
    }

    private static Map<String, List<String>> headers(Object... nameValues) {
        Map<String, List<String>> h = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            Object v = nameValues[i + 1];
            @SuppressWarnings("unchecked")
            List<String> values = v instanceof List<?> l ? (List<String>) l : List.of((String) v);
            h.put((String) nameValues[i], values);
        }
        return h;
    }

    @Test
    void headerNamesAreLowerCasedAndRepeatedHeadersCommaJoined() {
        var e = event("GET", "/v1/me", headers(
                "Host", "localhost:8080",
                "Accept", List.of("application/json", "text/plain"),
                "X-Custom-Thing", "A",
                "x-custom-thing", "B",
                "User-Agent", "curl/8.5.0"), new byte[0]);

        assertThat(e.getHeaders()).containsEntry("accept", "application/json,text/plain")
                .containsEntry("x-custom-thing", "A,B")
                .containsEntry("host", "localhost:8080")
                .containsEntry("user-agent", "curl/8.5.0");
        assertThat(e.getHeaders().keySet()).allSatisfy(k -> assertThat(k).isEqualTo(k.toLowerCase()));
        assertThat(e.getRequestContext().getHttp().getUserAgent()).isEqualTo("curl/8.5.0");
        assertThat(e.getRequestContext().getDomainName()).isEqualTo("localhost:8080");
    }

    @Test
    void theShapeIsPayloadTwoPointZero() {
        var e = event("GET", "/v1/plans/pro", headers("Host", "api.gantry.example"), null);

        assertThat(e.getVersion()).isEqualTo("2.0");
        assertThat(e.getRouteKey()).isEqualTo("$default");
        assertThat(e.getRawPath()).isEqualTo("/v1/plans/pro");
        assertThat(e.getRawQueryString()).isEmpty();
        assertThat(e.getQueryStringParameters()).isNull();
        assertThat(e.getBody()).isNull();
        assertThat(e.getIsBase64Encoded()).isFalse();
        assertThat(e.getCookies()).isNull();
        var ctx = e.getRequestContext();
        assertThat(ctx.getStage()).isEqualTo("$default");
        assertThat(ctx.getRouteKey()).isEqualTo("$default");
        assertThat(ctx.getRequestId()).isEqualTo("JKJaXmPLvHcESHA=");
        assertThat(ctx.getTimeEpoch()).isEqualTo(TIME.toEpochMilli());
        assertThat(ctx.getTime()).isEqualTo("23/Nov/2026:17:40:00 +0000");
        assertThat(ctx.getDomainPrefix()).isEqualTo("api");
        assertThat(ctx.getHttp().getMethod()).isEqualTo("GET");
        assertThat(ctx.getHttp().getPath()).isEqualTo("/v1/plans/pro");
        assertThat(ctx.getHttp().getProtocol()).isEqualTo("HTTP/1.1");

        ApiGatewayEvents.routed(e, "GET /v1/plans/{name}", Map.of("name", "pro"));
        assertThat(e.getRouteKey()).isEqualTo("GET /v1/plans/{name}");
        assertThat(e.getRequestContext().getRouteKey()).isEqualTo("GET /v1/plans/{name}");
        assertThat(e.getPathParameters()).containsExactly(Map.entry("name", "pro"));
    }

    @Test
    void queryStringIsKeptRawAndParsedWithRepeatedKeysCommaJoined() {
        var e = event("GET", "/v1/audit-log?limit=5&tag=a&tag=b&q=hello%20world&plus=a+b&flag&=nameless&cursor=abc%3D%3D",
                headers(), null);

        assertThat(e.getRawQueryString()).isEqualTo("limit=5&tag=a&tag=b&q=hello%20world&plus=a+b&flag&=nameless&cursor=abc%3D%3D");
        assertThat(e.getQueryStringParameters())
                .containsEntry("limit", "5")
                .containsEntry("tag", "a,b")
                .containsEntry("q", "hello world")
                .containsEntry("plus", "a b")
                .containsEntry("flag", "")
                .containsEntry("cursor", "abc==")
                .doesNotContainKey("");
    }

    @Test
    void aMalformedEscapeIsPassedOnRatherThanFailing() {
        // (The HTTP server already refuses a request line that is not a valid URI; a lone % can still reach here.)
        assertThat(ApiGatewayEvents.parseQuery("x=%zz&y=100%")).containsEntry("x", "%zz").containsEntry("y", "100%");
    }

    @Test
    void jsonAndTextBodiesArriveAsText() {
        byte[] json = "{\"name\":\"Zoë\"}".getBytes(StandardCharsets.UTF_8);
        var e = event("POST", "/v1/auth/signup", headers("Content-Type", "application/json; charset=utf-8"), json);
        assertThat(e.getIsBase64Encoded()).isFalse();
        assertThat(e.getBody()).isEqualTo("{\"name\":\"Zoë\"}");

        var t = event("POST", "/x", headers("Content-Type", "text/plain"), "hi".getBytes(StandardCharsets.UTF_8));
        assertThat(t.getIsBase64Encoded()).isFalse();
        assertThat(t.getBody()).isEqualTo("hi");

        var vendor = event("POST", "/x", headers("Content-Type", "application/vnd.github+json"), "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(vendor.getIsBase64Encoded()).isFalse();
    }

    @Test
    void binaryBodiesAndInvalidUtf8ArriveAsBase64() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, (byte) 0xff};
        var bin = event("POST", "/x", headers("Content-Type", "image/png"), png);
        assertThat(bin.getIsBase64Encoded()).isTrue();
        assertThat(Base64.getDecoder().decode(bin.getBody())).isEqualTo(png);

        byte[] badUtf8 = {'{', '"', (byte) 0xc3, '"', '}'};
        var invalid = event("POST", "/x", headers("Content-Type", "application/json"), badUtf8);
        assertThat(invalid.getIsBase64Encoded()).isTrue();
        assertThat(Base64.getDecoder().decode(invalid.getBody())).isEqualTo(badUtf8);

        var untyped = event("POST", "/x", headers(), "plain".getBytes(StandardCharsets.UTF_8));
        assertThat(untyped.getIsBase64Encoded()).isTrue();
    }

    @Test
    void sourceIpComesFromTheSocketNeverFromAHeader() {
        var e = event("POST", "/v1/auth/login", headers(
                "X-Forwarded-For", "10.9.8.7",
                "X-Real-IP", "10.9.8.7",
                "Forwarded", "for=10.9.8.7"), null);

        assertThat(e.getRequestContext().getHttp().getSourceIp()).isEqualTo("203.0.113.7");
        // API Gateway appends the address it saw, as a load balancer does.
        assertThat(e.getHeaders()).containsEntry("x-forwarded-for", "10.9.8.7, 203.0.113.7")
                .containsEntry("x-forwarded-proto", "http")
                .containsEntry("x-forwarded-port", "8080");
    }

    @Test
    void cookiesMoveFromTheHeaderToTheCookiesList() {
        var e = event("GET", "/v1/me", headers("Cookie", List.of("a=1; b=2", "c=3")), null);

        assertThat(e.getCookies()).containsExactly("a=1", "b=2", "c=3");
        assertThat(e.getHeaders()).doesNotContainKey("cookie");
    }

    @Test
    void apiRequestIdsLookLikeApiGatewaysAndDiffer() {
        String a = ApiGatewayEvents.newApiRequestId();
        String b = ApiGatewayEvents.newApiRequestId();
        assertThat(a).hasSize(16).endsWith("=").isNotEqualTo(b);
    }
}
