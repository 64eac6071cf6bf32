package dev.gantry.tests.fuzz;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Sends cases to the local server and checks each answer against the {@link Contract}; counts what it sent. */
public final class Runner {
    /** What one case came to: the request sent, the answer, and what is wrong with the answer. */
    public record Outcome(Wire.Request request, Wire.Response response, List<String> problems) {
        public boolean ok() { return problems.isEmpty(); }

        public String report() { return Contract.report(request, response, problems); }
    }

    private final Fixture fixture;
    private final Contract contract;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicLong nanos = new AtomicLong();
    private final Map<String, AtomicInteger> perOperation = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> perStatus = new ConcurrentHashMap<>();
    private record Slow(long nanos, String what) implements Comparable<Slow> {
        @Override public int compareTo(Slow o) { return Long.compare(nanos, o.nanos); }
    }
    private final java.util.TreeSet<Slow> slowest = new java.util.TreeSet<>();

    public Runner(Fixture fixture, Contract contract) {
        this.fixture = fixture;
        this.contract = contract;
    }

    public Outcome run(Case c) {
        Wire.Request request = c.toWire(fixture);
        long start = System.nanoTime();
        Wire.Response response = fixture.wire.send(request);
        long took = System.nanoTime() - start;
        nanos.addAndGet(took);
        synchronized (slowest) {
            slowest.add(new Slow(took, c.toString()));
            if (slowest.size() > 8) slowest.remove(slowest.first());
        }
        sent.incrementAndGet();
        perOperation.computeIfAbsent(c.op().key(), k -> new AtomicInteger()).incrementAndGet();
        perStatus.computeIfAbsent(response.status(), k -> new AtomicInteger()).incrementAndGet();
        List<String> problems = contract.violations(request, response);
        fixture.repair(request, response);
        return new Outcome(request, response, problems);
    }

    public int sent() { return sent.get(); }

    public Map<String, AtomicInteger> perOperation() { return perOperation; }

    /** One line for the build log: how many requests, to how many operations, the statuses seen, the time spent waiting on answers. */
    public String summary(String what) {
        Map<Integer, Integer> statuses = new TreeMap<>();
        perStatus.forEach((k, v) -> statuses.put(k, v.get()));
        return String.format("%s: %d requests to %d operations (+%d fixture requests), %.1f s waiting on answers; statuses %s",
                what, sent.get(), perOperation.size(), fixture.housekeeping.get(), nanos.get() / 1e9, statuses)
                + (Boolean.getBoolean("fuzz.slowest") ? "\nslowest: " + slowest.descendingSet().stream()
                .map(x -> String.format("%.0f ms %s", x.nanos() / 1e6, x.what().length() > 150 ? x.what().substring(0, 150) : x.what())).toList() : "");
    }
}
