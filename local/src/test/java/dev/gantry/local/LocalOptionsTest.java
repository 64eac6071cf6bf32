package dev.gantry.local;

import dev.gantry.shared.secrets.SecretSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalOptionsTest {

    @Test
    void defaultsWorkOnALaptop() {
        LocalOptions o = LocalOptions.defaults();
        assertThat(o.port()).isEqualTo(8080);
        assertThat(o.host()).isEqualTo("127.0.0.1");
        assertThat(o.dataDir()).isNull();
        assertThat(o.tableName()).isEqualTo("gantry");
        assertThat(o.get("GANTRY_BCRYPT_COST")).isEqualTo("12");
        assertThat(o.get("GANTRY_GITHUB_API_URL")).isNull();
    }

    @Test
    void flagsWinOverTheEnvironment() {
        LocalOptions o = LocalOptions.parse(new String[]{"--port", "9000", "--data-dir=/tmp/g", "--webhooks-allow-loopback"},
                Map.of("PORT", "7000", "GANTRY_TABLE", "t1", "GANTRY_BCRYPT_COST", "4", "UNRELATED", "x"));
        assertThat(o.port()).isEqualTo(9000);
        assertThat(o.dataDir()).isEqualTo(Path.of("/tmp/g"));
        assertThat(o.tableName()).isEqualTo("t1");
        assertThat(o.functionEnvironment())
                .containsEntry("GANTRY_BCRYPT_COST", "4")
                .containsEntry("GANTRY_WEBHOOKS_ALLOW_LOOPBACK", "true")
                .doesNotContainKeys("PORT", "GANTRY_DATA_DIR", "UNRELATED");
    }

    @Test
    void badInputIsAUsageError() {
        assertThatThrownBy(() -> LocalOptions.parse(new String[]{"--nope"}, Map.of())).hasMessageContaining("unknown option '--nope'");
        assertThatThrownBy(() -> LocalOptions.parse(new String[]{"--port"}, Map.of())).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> LocalOptions.parse(new String[]{"--port", "70000"}, Map.of())).hasMessageContaining("0-65535");
        assertThatThrownBy(() -> LocalOptions.parse(new String[]{}, Map.of("GANTRY_BCRYPT_COST", "2"))).hasMessageContaining("4-31");
        assertThatThrownBy(() -> LocalOptions.parse(new String[]{"--github-api-url", "ftp://x"}, Map.of())).hasMessageContaining("http(s) URL");
        assertThatThrownBy(() -> LocalOptions.parse(new String[]{"stray"}, Map.of())).hasMessageContaining("unexpected argument");
    }

    @Test
    void masterSecretsAreEnvironmentOnlyAndNamedAfterTheirIds() {
        assertThat(SecretSpec.ALL.stream().map(LocalOptions::secretEnvVar))
                .containsExactly("GANTRY_JWT_SIGNING_KEY", "GANTRY_API_KEY_PEPPER", "GANTRY_MASTER_KEY", "GANTRY_GITHUB_WEBHOOK_SECRET",
                        "GANTRY_GITHUB_OAUTH_CLIENT_SECRET", "GANTRY_GITHUB_APP_PRIVATE_KEY");
        LocalOptions o = LocalOptions.fromEnvironment(Map.of("GANTRY_MASTER_KEY", "k".repeat(40)));
        assertThat(o.masterSecret(SecretSpec.ALL.get(2))).isEqualTo("k".repeat(40));
        assertThat(o.toString()).doesNotContain("kkkk");
        assertThat(LocalOptions.SETTINGS).filteredOn(s -> s.kind() == LocalOptions.Kind.SECRET).allSatisfy(s -> assertThat(s.flag()).isNull());
    }

    @Test
    void gitHubSignInSettingsAreHandedToTheFunctions() {
        LocalOptions o = LocalOptions.parse(new String[]{"--github-client-id", "Iv1.abc", "--github-url", "http://127.0.0.1:9999"},
                Map.of("GANTRY_GITHUB_REDIRECT_URI", "http://localhost:8080/v1/auth/github/callback"));
        assertThat(o.functionEnvironment())
                .containsEntry("GANTRY_GITHUB_CLIENT_ID", "Iv1.abc")
                .containsEntry("GANTRY_GITHUB_URL", "http://127.0.0.1:9999")
                .containsEntry("GANTRY_GITHUB_REDIRECT_URI", "http://localhost:8080/v1/auth/github/callback")
                .doesNotContainKey("GANTRY_GITHUB_API_URL");
        assertThat(LocalOptions.defaults().functionEnvironment()).containsEntry("GANTRY_GITHUB_URL", "https://github.com")
                .doesNotContainKeys("GANTRY_GITHUB_CLIENT_ID", "GANTRY_GITHUB_REDIRECT_URI");
        assertThatThrownBy(() -> LocalOptions.parse(new String[]{"--github-redirect-uri", "callback"}, Map.of()))
                .hasMessageContaining("http(s) URL");
        // a client secret as GitHub issues it (40 hex characters) is accepted as it is
        LocalOptions withSecret = LocalOptions.fromEnvironment(Map.of("GANTRY_GITHUB_OAUTH_CLIENT_SECRET", "0123456789abcdef0123456789abcdef01234567"));
        assertThat(MasterSecrets.resolve(withSecret, null)).containsEntry("gantry/github-oauth-client-secret",
                "0123456789abcdef0123456789abcdef01234567");
    }

    @Test
    void helpListsEverySetting() {
        String help = LocalOptions.help();
        for (LocalOptions.Setting s : LocalOptions.SETTINGS) {
            assertThat(help).contains(s.envVar());
            if (s.flag() != null) assertThat(help).contains(s.flag());
        }
        assertThat(help).contains("--help", "repo scans, compute targets and instances read the rest", "GANTRY_LOG_LEVEL", "GANTRY_DEBUG");
        assertThat(LocalOptions.wantsHelp(new String[]{"--port", "1", "-h"})).isTrue();
    }
}
