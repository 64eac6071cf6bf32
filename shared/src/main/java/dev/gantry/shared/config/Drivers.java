package dev.gantry.shared.config;

import dev.gantry.shared.compute.Providers;
import dev.gantry.shared.github.GitHubApp;
import dev.gantry.shared.github.HttpGitHubApp;
import dev.gantry.shared.github.InMemoryGitHubApp;
import dev.gantry.shared.secrets.SecretStore;

import java.net.URI;
import java.time.Clock;

/**
 * Chooses the drivers at the platform's edges (DESIGN.md principle 6): a configured URL means the
 * real HTTP client against it; nothing configured means the real provider in AWS, and the
 * simulated driver when running on the local emulators.
 */
final class Drivers {
    static final URI HETZNER = URI.create("https://api.hetzner.cloud");
    static final URI DIGITALOCEAN = URI.create("https://api.digitalocean.com");

    private Drivers() {}

    static Providers providers(GantryConfig config, Clock clock) {
        var d = config.drivers();
        if (config.local() && d.hetznerUrl() == null && d.digitalOceanUrl() == null) return Providers.simulated(clock);
        return Providers.http(d.hetznerUrl() != null ? d.hetznerUrl() : HETZNER,
                d.digitalOceanUrl() != null ? d.digitalOceanUrl() : DIGITALOCEAN, dev.gantry.shared.compute.Retry.defaults());
    }

    static GitHubApp gitHubApp(GantryConfig config, SecretStore secrets, Clock clock) {
        var d = config.drivers();
        if (d.githubAppId() == null) {
            if (config.local()) return new InMemoryGitHubApp();
            throw new IllegalStateException("the GitHub App is not configured (GANTRY_GITHUB_APP_ID)");
        }
        return new HttpGitHubApp(config.github().apiUrl(), d.githubAppId(), () -> secrets.get(d.githubAppKeySecretId()), clock);
    }
}
