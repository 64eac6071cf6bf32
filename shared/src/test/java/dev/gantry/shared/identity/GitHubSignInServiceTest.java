package dev.gantry.shared.identity;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The parts of GitHub sign-in that need no table: the derived callback URL and the cookies. */
class GitHubSignInServiceTest {
    private static final String FALLBACK = "https://app.gantry.dev/";

    @Test
    void theCallbackUrlFollowsTheHostAndSchemeElseThePublicUrl() {
        assertThat(GitHubSignInService.callbackUrl("API.Example.com", "https", FALLBACK)).isEqualTo("https://api.example.com/v1/auth/github/callback");
        assertThat(GitHubSignInService.callbackUrl("localhost:8080", "http", FALLBACK)).isEqualTo("http://localhost:8080/v1/auth/github/callback");
        assertThat(GitHubSignInService.callbackUrl("[::1]:8080", "http", FALLBACK)).isEqualTo("http://[::1]:8080/v1/auth/github/callback");
        assertThat(GitHubSignInService.callbackUrl("api.example.com", null, FALLBACK)).startsWith("https://");
        assertThat(GitHubSignInService.callbackUrl("api.example.com", "ftp", FALLBACK)).startsWith("https://");
        for (String bad : new String[]{null, "", "a b", "evil.example/x", "evil.example?x", "user@evil.example", "x".repeat(300), "a:b:c"}) {
            assertThat(GitHubSignInService.callbackUrl(bad, "http", FALLBACK)).as(bad).isEqualTo("https://app.gantry.dev/v1/auth/github/callback");
        }
    }

    @Test
    void theClearingCookieMatchesTheSettingOne() {
        assertThat(GitHubSignInService.clearCookie())
                .isEqualTo("gantry_oauth=; Path=/v1/auth/github; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
    }
}
