package dev.gantry.shared.config;

import dev.gantry.shared.compute.DigitalOcean;
import dev.gantry.shared.compute.HetznerCloud;
import dev.gantry.shared.compute.Providers;
import dev.gantry.shared.compute.Retry;
import dev.gantry.shared.github.GitHubApp;
import dev.gantry.shared.github.HttpGitHubApp;
import dev.gantry.shared.github.InMemoryGitHubApp;
import dev.gantry.shared.secrets.SecretStore;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Chooses the drivers at the platform's edges (DESIGN.md principle 6): a configured URL means the
 * real HTTP client against it; nothing configured means the real provider in AWS, and the
 * simulated driver when running on the local emulators.
 */
final class Drivers {
    static final URI HETZNER = HetznerCloud.DEFAULT_URL;
    static final URI DIGITALOCEAN = DigitalOcean.DEFAULT_URL;

    private Drivers() {}

    static Providers providers(GantryConfig config, Clock clock) {
        var d = config.drivers();
        if (config.local() && d.hetznerUrl() == null && d.digitalOceanUrl() == null) return Providers.simulated(clock);
        // Token checks run inside an API request (API Gateway gives up at 29 s): two attempts of at most
        // 8 s each and at most 4 s of waiting between them. The job worker's calls use the same bounds.
        var retry = Retry.defaults().withMaxAttempts(2).withMaxTotalWait(Duration.ofSeconds(4));
        var connect = Duration.ofSeconds(3);
        var request = Duration.ofSeconds(8);
        return new Providers(List.of(
                new HetznerCloud(d.hetznerUrl() != null ? d.hetznerUrl() : HETZNER, retry, clock, connect, request),
                new DigitalOcean(d.digitalOceanUrl() != null ? d.digitalOceanUrl() : DIGITALOCEAN, retry, clock, connect, request)));
    }

    static GitHubApp gitHubApp(GantryConfig config, SecretStore secrets, Clock clock) {
        var d = config.drivers();
        if (d.githubAppId() == null) {
            if (config.local()) return new InMemoryGitHubApp();
            throw new IllegalStateException("the GitHub App is not configured (GANTRY_GITHUB_APP_ID)");
        }
        return new HttpGitHubApp(config.github().apiUrl(), d.githubAppId(), () -> secrets.get(d.githubAppKeySecretId()), clock);
    }

    /**
     * The release step's driver: simulated on the local emulators. In AWS no release agent exists
     * yet, so a deploy that reaches its release fails with that reason instead of pretending.
     */
    static dev.gantry.shared.platform.ReleaseDriver release(GantryConfig config) {
        if (config.local()) return new dev.gantry.shared.platform.SimulatedRelease(config.drivers().appsDomain());
        return (deploy, instance, variables, log) -> {
            throw new IllegalStateException("no release driver is configured for this installation (the VM agent is not built yet)");
        };
    }
}
