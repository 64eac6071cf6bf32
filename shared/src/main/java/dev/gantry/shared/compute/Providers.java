package dev.gantry.shared.compute;

import java.net.URI;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The compute drivers Gantry knows, by the name the API's {@code provider} field uses. Built once
 * per container by the wiring: {@link #http} in AWS and whenever a provider URL is configured,
 * {@link #simulated} for the local server otherwise.
 */
public final class Providers {
    private final Map<String, ComputeProvider> byName;

    public Providers(List<ComputeProvider> providers) {
        Map<String, ComputeProvider> m = new LinkedHashMap<>();
        for (ComputeProvider p : providers) {
            if (m.put(p.name(), p) != null) throw new IllegalArgumentException("two providers named " + p.name());
        }
        this.byName = Collections.unmodifiableMap(m);
    }

    /** Real drivers against the given base URLs (the defaults are {@link HetznerCloud#DEFAULT_URL}, {@link DigitalOcean#DEFAULT_URL}). */
    public static Providers http(URI hetznerUrl, URI digitalOceanUrl, Retry retry) {
        return new Providers(List.of(new HetznerCloud(hetznerUrl, retry), new DigitalOcean(digitalOceanUrl, retry)));
    }

    /** In-memory VMs for both providers, on the given clock. */
    public static Providers simulated(Clock clock) {
        return new Providers(List.of(SimulatedProvider.hetzner(clock), SimulatedProvider.digitalOcean(clock)));
    }

    /** The driver for {@code name}; {@link UnknownProviderException} (an IllegalArgumentException) for any other name. */
    public ComputeProvider forName(String name) {
        ComputeProvider p = name == null ? null : byName.get(name);
        if (p == null) throw new UnknownProviderException(byName.keySet());
        return p;
    }

    public boolean knows(String name) {
        return name != null && byName.containsKey(name);
    }

    public Set<String> names() {
        return byName.keySet();
    }
}
