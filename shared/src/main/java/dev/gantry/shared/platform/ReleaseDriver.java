package dev.gantry.shared.platform;

import dev.gantry.shared.envvars.EnvResolver;

import java.util.List;
import java.util.function.Consumer;

/**
 * The last step of a deploy: puts the built release on the environment's VM with its resolved
 * variables (a driver at the edge, DESIGN.md principle 6). {@link SimulatedRelease} is the local
 * server's; a real one talks to the agent on the VM.
 */
public interface ReleaseDriver {
    /** What the release did: the URL the app answers on. */
    record Release(String appUrl) {}

    /** {@code log} takes the lines the release writes (source "release"); never given secret values to print. */
    Release release(DeployRepository.Deploy deploy, InstanceRepository.Instance instance, List<EnvResolver.ResolvedVar> variables,
                    Consumer<String> log);
}
