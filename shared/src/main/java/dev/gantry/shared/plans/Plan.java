package dev.gantry.shared.plans;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The plans of API.md §2: rate limits and quotas, the one place these numbers live. */
public enum Plan {
    FREE(30, 50, 2, 1, 1, 1),
    HOBBY(100, 200, 5, 3, 3, 5),
    PRO(500, 1000, 50, 20, 20, 20),
    TEAM(2000, 5000, 500, 100, 200, 100);

    private final int requestsPerMinute;
    private final int burst;
    private final Map<Resource, Integer> limits;

    Plan(int requestsPerMinute, int burst, int environments, int computeTargets, int members, int webhookEndpoints) {
        this.requestsPerMinute = requestsPerMinute;
        this.burst = burst;
        Map<Resource, Integer> l = new LinkedHashMap<>();
        l.put(Resource.ENVIRONMENTS, environments);
        l.put(Resource.COMPUTE_TARGETS, computeTargets);
        l.put(Resource.MEMBERS, members);
        l.put(Resource.WEBHOOK_ENDPOINTS, webhookEndpoints);
        this.limits = Map.copyOf(l);
    }

    /** What a quota counts; {@code counter} is the workspace item's attribute that holds its usage. */
    public enum Resource {
        ENVIRONMENTS("environments", "environment_count"),
        COMPUTE_TARGETS("compute_targets", "compute_target_count"),
        MEMBERS("members", "member_count"),
        WEBHOOK_ENDPOINTS("webhook_endpoints", "webhook_endpoint_count");

        private final String wireName;
        private final String counter;

        Resource(String wireName, String counter) {
            this.wireName = wireName;
            this.counter = counter;
        }

        public String wireName() { return wireName; }
        public String counter() { return counter; }
    }

    public String wireName() { return name().toLowerCase(Locale.ROOT); }
    public int requestsPerMinute() { return requestsPerMinute; }
    public int burst() { return burst; }
    public int limit(Resource resource) { return limits.get(resource); }

    public static Optional<Plan> find(String name) {
        return Arrays.stream(values()).filter(p -> p.wireName().equals(name)).findFirst();
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(Plan::wireName).toList();
    }

    /** The public description of a plan. */
    public record View(String name, int requestsPerMinute, int burst, Map<String, Integer> limits) {}

    public View view() {
        Map<String, Integer> l = new LinkedHashMap<>();
        for (Resource r : Resource.values()) l.put(r.wireName(), limits.get(r));
        return new View(wireName(), requestsPerMinute, burst, l);
    }
}
