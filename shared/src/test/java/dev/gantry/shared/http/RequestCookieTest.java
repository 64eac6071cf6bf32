package dev.gantry.shared.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.gantry.shared.testing.Http;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Request.cookie reads API Gateway v2's {@code cookies} list, else a Cookie header; Request.host the domain name. */
class RequestCookieTest {
    private static Request request(APIGatewayV2HTTPEvent event) {
        return new Request(event, "req_test", Map.of(), Request.lowerCaseHeaders(event.getHeaders()), new byte[0]);
    }

    @Test
    void cookiesComeFromTheEventsListFirst() {
        APIGatewayV2HTTPEvent e = Http.event("GET", "/x", null, Map.of("cookie", "gantry_oauth=from-header"));
        e.setCookies(List.of("theme=dark", "gantry_oauth=from-list", "gantry_oauth=second"));
        assertThat(request(e).cookie("gantry_oauth")).isEqualTo("from-list");
        assertThat(request(e).cookie("theme")).isEqualTo("dark");
        assertThat(request(e).cookie("missing")).isNull();
    }

    @Test
    void theCookieHeaderIsTheFallback() {
        APIGatewayV2HTTPEvent e = Http.event("GET", "/x", null, Map.of("cookie", "a=1;  gantry_oauth=\"quoted\" ; b"));
        assertThat(request(e).cookie("gantry_oauth")).isEqualTo("quoted");
        assertThat(request(e).cookie("a")).isEqualTo("1");
        assertThat(request(e).cookie("b")).isNull();
        assertThat(request(e).cookie("gantry")).isNull();
        assertThat(request(Http.event("GET", "/x", null, Map.of())).cookie("a")).isNull();
    }

    @Test
    void theHostIsApiGatewaysDomainNameElseTheHostHeader() {
        APIGatewayV2HTTPEvent e = Http.event("GET", "/x", null, Map.of("host", "header.example"));
        assertThat(request(e).host()).isEqualTo("header.example");
        e.getRequestContext().setDomainName("abc123.execute-api.eu-west-1.amazonaws.com");
        assertThat(request(e).host()).isEqualTo("abc123.execute-api.eu-west-1.amazonaws.com");
        assertThat(request(Http.event("GET", "/x", null, Map.of())).host()).isNull();
    }
}
