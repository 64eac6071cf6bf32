package dev.gantry.shared.platform;

import dev.gantry.shared.envvars.EnvResolver;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The local server's release: writes the lines a container release would (image, variables,
 * health check) and answers the app's URL, {@code https://<environment>-<repo>.<apps domain>}.
 */
public final class SimulatedRelease implements ReleaseDriver {
    private final String appsDomain;

    public SimulatedRelease(String appsDomain) {
        this.appsDomain = appsDomain;
    }

    @Override
    public Release release(DeployRepository.Deploy d, InstanceRepository.Instance instance, List<EnvResolver.ResolvedVar> variables,
                           Consumer<String> log) {
        String repo = d.repoFullName().substring(d.repoFullName().indexOf('/') + 1).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        String image = "ghcr.io/" + d.repoFullName().toLowerCase(Locale.ROOT) + ":" + d.sha().substring(0, 7);
        long secrets = variables.stream().filter(EnvResolver.ResolvedVar::secret).count();
        log.accept("Connecting to " + instance.ip() + " (" + instance.provider() + " " + instance.providerServerId() + ")");
        log.accept("Pulling image " + image);
        log.accept("Injecting " + variables.size() + " variables (" + secrets + " secret)");
        log.accept("Starting container " + d.environmentName() + "-" + d.sha().substring(0, 7));
        log.accept("Health check passed: GET / answered 200");
        log.accept("Switched traffic to the new container; stopped the previous one");
        return new Release("https://" + d.environmentName() + "-" + repo + "." + appsDomain);
    }
}
