package dev.gantry.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.shared.testing.FakeGitHub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GitHub sign-in over real HTTP through the local server's API Gateway front (the Cookie header
 * becomes the event's {@code cookies}, the function's cookies become Set-Cookie headers), against a
 * fake GitHub configured the way a developer would: flags for the URLs and client id, the client
 * secret in the environment.
 */
class GitHubSignInLocalIT {
    private static final String CLIENT_SECRET = "fedcba9876543210fedcba9876543210fedcba98";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient BROWSER = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static FakeGitHub github;
    private static LocalServer server;

    @BeforeAll
    static void start() {
        github = FakeGitHub.start(CLIENT_SECRET);
        LocalOptions options = LocalOptions.parse(new String[]{"--port", "0", "--bcrypt-cost", "4",
                "--github-client-id", FakeGitHub.CLIENT_ID, "--github-url", github.webUrl().toString(),
                "--github-api-url", github.apiUrl().toString()}, java.util.Map.of("GANTRY_GITHUB_OAUTH_CLIENT_SECRET", CLIENT_SECRET));
        server = LocalServer.start(options);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (github != null) github.close();
    }

    private static HttpResponse<String> get(URI uri, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
        if (cookie != null) b.header("Cookie", cookie);
        return BROWSER.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aBrowserSignsInThroughTheLocalServer() throws Exception {
        HttpResponse<String> start = get(server.baseUrl().resolve("/v1/auth/github/start"), null);
        assertThat(start.statusCode()).isEqualTo(302);
        URI authorize = URI.create(start.headers().firstValue("Location").orElseThrow());
        assertThat(authorize.toString()).startsWith(github.webUrl() + "/login/oauth/authorize?")
                // derived from the Host the browser used and the front's X-Forwarded-Proto
                .contains("redirect_uri=" + java.net.URLEncoder.encode(server.baseUrl() + "/v1/auth/github/callback", "UTF-8"));
        List<String> setCookie = start.headers().allValues("Set-Cookie");
        assertThat(setCookie).hasSize(1);
        String cookie = setCookie.get(0).substring(0, setCookie.get(0).indexOf(';'));
        assertThat(cookie).startsWith("gantry_oauth=");

        github.signIn(new FakeGitHub.Account(4242, "local-octo", "Local Octo",
                List.of(new FakeGitHub.Email("local-octo@example.com", true, true))));
        HttpResponse<String> atGitHub = get(authorize, null);
        assertThat(atGitHub.statusCode()).isEqualTo(302);
        URI back = URI.create(atGitHub.headers().firstValue("Location").orElseThrow());
        assertThat(back.getPath()).isEqualTo("/v1/auth/github/callback");

        // Without the cookie (another browser): refused. With it: signed in, cookie removed.
        assertThat(get(back, null).statusCode()).isEqualTo(400);
        HttpResponse<String> done = get(back, "theme=dark; " + cookie);
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(done.headers().allValues("Set-Cookie")).singleElement().asString().contains("Max-Age=0");
        JsonNode tokens = JSON.readTree(done.body());

        HttpResponse<String> me = BROWSER.send(HttpRequest.newBuilder(server.baseUrl().resolve("/v1/me"))
                .header("Authorization", "Bearer " + tokens.get("token").asText()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(me.body()).get("github_login").asText()).isEqualTo("local-octo");
        assertThat(JSON.readTree(me.body()).get("email").asText()).isEqualTo("local-octo@example.com");
    }
}
