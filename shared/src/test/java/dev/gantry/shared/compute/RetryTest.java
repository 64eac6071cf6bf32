package dev.gantry.shared.compute;

import dev.gantry.shared.compute.ProviderException.Kind;
import org.junit.jupiter.api.Test;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Backoff arithmetic and which failures are retried, with sleeping recorded instead of done. */
class RetryTest {
    final List<Duration> sleeps = new ArrayList<>();
    final Retry retry = Retry.defaults().withSleeper(sleeps::add).withRandom(new Random(3));

    @Test
    void theCeilingDoublesFrom200msUpTo5s() {
        assertThat(List.of(1, 2, 3, 4, 5, 6, 7, 40).stream().map(retry::ceiling).map(Duration::toMillis).toList())
                .containsExactly(200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L, 5000L);
    }

    @Test
    void fullJitterStaysWithinZeroAndTheCeilingAndUsesAllOfIt() {
        for (int attempt = 1; attempt <= 6; attempt++) {
            long ceiling = retry.ceiling(attempt).toMillis();
            long min = Long.MAX_VALUE, max = 0;
            for (int i = 0; i < 2000; i++) {
                long d = retry.backoff(attempt).toMillis();
                assertThat(d).isBetween(0L, ceiling);
                min = Math.min(min, d);
                max = Math.max(max, d);
            }
            assertThat(min).as("attempt %d reaches near zero", attempt).isLessThan(ceiling / 20 + 1);
            assertThat(max).as("attempt %d reaches near the ceiling", attempt).isGreaterThan(ceiling * 19 / 20);
        }
        // The extremes of the generator map onto the extremes of the range.
        assertThat(retry.withRandom(() -> 0L).backoff(3)).isEqualTo(Duration.ZERO);
        assertThat(retry.withRandom(() -> -1L).backoff(3)).isEqualTo(Duration.ofMillis(800));
    }

    @Test
    void unavailableIsRetriedWithGrowingWaitsUntilMaxAttempts() {
        Retry top = retry.withRandom(() -> -1L).withMaxTotalWait(Duration.ofMinutes(1)); // always the ceiling
        AtomicInteger calls = new AtomicInteger();

        ProviderException e = catchThrowableOfType(ProviderException.class,
                () -> top.call(failing(calls, () -> ProviderException.unavailable("Hetzner Cloud", 503))));

        assertThat(calls).hasValue(4);
        assertThat(sleeps).containsExactly(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(800));
        assertThat(e.attempts()).isEqualTo(4);
        assertThat(e.getMessage()).isEqualTo("Hetzner Cloud answered 503 four times; try again later.");
        assertThat(e.getCause()).isInstanceOf(ProviderException.class);
    }

    @Test
    void successAfterFailuresReturnsTheResult() {
        AtomicInteger calls = new AtomicInteger();
        String result = retry.call(() -> {
            if (calls.incrementAndGet() < 3) throw ProviderException.unavailable("DigitalOcean", 0);
            return "ok";
        });
        assertThat(result).isEqualTo("ok");
        assertThat(sleeps).hasSize(2);
    }

    @Test
    void anInvalidTokenOrARejectionIsNeverRetried() {
        AtomicInteger calls = new AtomicInteger();
        ProviderException e = catchThrowableOfType(ProviderException.class,
                () -> retry.call(failing(calls, () -> ProviderException.invalidToken("Hetzner Cloud", 401))));
        assertThat(e.kind()).isEqualTo(Kind.INVALID_TOKEN);
        assertThat(calls).hasValue(1);

        catchThrowableOfType(ProviderException.class,
                () -> retry.call(failing(calls, () -> ProviderException.rejected("Hetzner Cloud", 422, "invalid input"))));
        assertThat(calls).hasValue(2);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void callOnceRetriesA429ButNotUnavailability() {
        AtomicInteger calls = new AtomicInteger();
        ProviderException e = catchThrowableOfType(ProviderException.class,
                () -> retry.callOnce(failing(calls, () -> ProviderException.unavailable("Hetzner Cloud", 0))));
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(calls).hasValue(1);

        AtomicInteger creates = new AtomicInteger();
        String id = retry.callOnce(() -> {
            if (creates.incrementAndGet() == 1) throw ProviderException.rateLimited("Hetzner Cloud", Duration.ofSeconds(2));
            return "42";
        });
        assertThat(id).isEqualTo("42");
        assertThat(sleeps).containsExactly(Duration.ofSeconds(2));
    }

    @Test
    void aLongerRetryAfterWinsAndAShorterOneDoesNot() {
        Retry top = retry.withRandom(() -> -1L);
        AtomicInteger calls = new AtomicInteger();
        top.call(() -> switch (calls.incrementAndGet()) {
            case 1 -> throw ProviderException.rateLimited("DigitalOcean", Duration.ofSeconds(3)); // > 200 ms
            case 2 -> throw ProviderException.rateLimited("DigitalOcean", Duration.ofMillis(10)); // < 400 ms
            default -> "ok";
        });
        assertThat(sleeps).containsExactly(Duration.ofSeconds(3), Duration.ofMillis(400));
    }

    @Test
    void aWaitBeyondTheTotalBudgetIsNotTakenAndTheCallerGetsTheRetryAfter() {
        AtomicInteger calls = new AtomicInteger();
        ProviderException e = catchThrowableOfType(ProviderException.class, () -> retry.withMaxTotalWait(Duration.ofSeconds(5))
                .call(failing(calls, () -> ProviderException.rateLimited("Hetzner Cloud", Duration.ofSeconds(4)))));

        assertThat(calls).as("4 s taken once; a second 4 s would pass the 5 s budget").hasValue(2);
        assertThat(sleeps).containsExactly(Duration.ofSeconds(4));
        assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(4));
        assertThat(e.getMessage()).isEqualTo("Hetzner Cloud is rate-limiting requests made with this token (tried twice); try again in 4 seconds.");
    }

    @Test
    void anInterruptedWaitStopsRetryingAndKeepsTheInterrupt() {
        Retry interrupted = retry.withSleeper(d -> { throw new InterruptedException(); });
        AtomicInteger calls = new AtomicInteger();
        try {
            ProviderException e = catchThrowableOfType(ProviderException.class,
                    () -> interrupted.call(failing(calls, () -> ProviderException.unavailable("Hetzner Cloud", 500))));
            assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
            assertThat(calls).hasValue(1);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void noneTriesOnce() {
        AtomicInteger calls = new AtomicInteger();
        catchThrowableOfType(ProviderException.class,
                () -> Retry.none().withSleeper(sleeps::add).call(failing(calls, () -> ProviderException.unavailable("Hetzner Cloud", 503))));
        assertThat(calls).hasValue(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void retryAfterHeaderIsReadAsSecondsOrAnHttpDate() {
        Instant now = Instant.parse("2025-03-01T12:00:00Z");
        assertThat(ProviderHttp.retryAfterHeader(headers("Retry-After", "12"), now)).isEqualTo(Duration.ofSeconds(12));
        assertThat(ProviderHttp.retryAfterHeader(headers("Retry-After", "Sat, 01 Mar 2025 12:00:30 GMT"), now)).isEqualTo(Duration.ofSeconds(30));
        assertThat(ProviderHttp.retryAfterHeader(headers("Retry-After", "soon"), now)).isNull();
        assertThat(ProviderHttp.retryAfterHeader(headers("X-Other", "1"), now)).isNull();
    }

    private static HttpHeaders headers(String name, String value) {
        return HttpHeaders.of(Map.of(name, List.of(value)), (a, b) -> true);
    }

    private static Supplier<String> failing(AtomicInteger calls, Supplier<ProviderException> failure) {
        return () -> {
            calls.incrementAndGet();
            throw failure.get();
        };
    }
}
