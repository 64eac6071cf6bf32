package dev.gantry.shared.limits;

import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Token buckets in the single table, one item each, decided with GCRA (see {@link Gcra} and
 * docs/rate-limits.md). A decision is one conditional UpdateItem that refills and takes a token
 * atomically; nothing is read first.
 * <p>
 * DynamoDB update expressions have no {@code max()}, so GCRA's {@code tat := max(tat, now) + T} is
 * two writes, one per branch, each conditional on its branch:
 * <ul>
 * <li><b>busy</b> ({@code tat >= now}): {@code SET tat = tat + iv, lim = lim + iv, iv = iv} if
 * {@code tat >= :now AND lim <= :now}. Both operands are the item's own, so concurrent busy
 * writes commute: under contention every one of them either takes a token or finds none.</li>
 * <li><b>idle</b> ({@code tat < now}, or a new bucket): {@code SET tat = :now + iv, lim = :now + ivt, iv = iv}
 * if {@code attribute_not_exists(tat) OR tat < :now}.</li>
 * </ul>
 * An admission returns {@code UPDATED_NEW} ({@code tat, lim, iv}; {@code iv = iv} is there to be
 * returned), from which the headers follow without the rest of the item: see {@link #burstOf}.
 * The container predicts the branch from the last {@code tat} it saw for the bucket. {@code tat}
 * never decreases, so "last seen tat ≥ now" proves the bucket busy; otherwise idle is predicted.
 * A wrong guess fails its condition and the failure returns the item
 * ({@code ReturnValuesOnConditionCheckFailure=ALL_OLD}, no read), which settles the branch:
 * a rejection (busy and {@code lim > now}) costs that one failed write, anything else one more
 * write. Every admission is conditional on the state it assumed, so the decision is exact under
 * any interleaving of containers.
 * <p>
 * The bucket item carries its policy ({@code iv} = T, {@code ivt} = T − τ, {@code burst}), so a
 * decision needs no plan: the workspace's plan is written into its bucket when the workspace is
 * created and in the same transaction as every plan change ({@link #putWorkspaceBucket},
 * {@link #changeWorkspacePlan}); the next request uses it. A workspace bucket that does not exist
 * (a workspace older than rate limiting) is created from one read of the workspace's plan.
 */
public final class TokenBuckets {
    static final String TAT = "tat", LIM = "lim", IV = "iv", IVT = "ivt", BURST = "burst", RPM = "rpm", POLICY = "policy", PLAN = "plan";
    private static final String TYPE = "rate_limit_bucket";
    private static final int MAX_ATTEMPTS = 6;
    private static final int REMEMBERED_BUCKETS = 10_000;

    private final Table table;
    private final Clock clock;
    private final Function<String, RateLimitPolicy> workspacePolicy;
    /** The last state this container saw per bucket: the branch predictor, and the fail-open fallback. */
    private final Map<String, Seen> seen = java.util.Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) { return size() > REMEMBERED_BUCKETS; }
    });

    /** A bucket as this container last saw it. */
    private record Seen(long tat, long lim, long interval, int burst) {}

    /**
     * @param workspacePolicy a workspace's current policy, read from the workspace (used only to
     *                        create a bucket that does not exist yet)
     */
    public TokenBuckets(Table table, Clock clock, Function<String, RateLimitPolicy> workspacePolicy) {
        this.table = table;
        this.clock = clock;
        this.workspacePolicy = workspacePolicy;
    }

    /**
     * One bucket. {@code policy} null: the item holds the policy (workspace buckets, kept in step
     * with the plan); otherwise the caller's policy is written with every idle write (client addresses).
     */
    public record Bucket(Map<String, AttributeValue> key, String id, String policyName, RateLimitPolicy policy, String workspaceId,
                         boolean expires) {
        public static Bucket workspace(String workspaceId) {
            return new Bucket(Keys.workspaceRateLimit(workspaceId), "ws#" + workspaceId, "plan", null, workspaceId, false);
        }

        /** {@code address}: the normalized client address ({@link ClientAddress#bucketId}). */
        public static Bucket clientAddress(String address, RateLimitPolicy policy) {
            return new Bucket(Keys.clientRateLimit(address), "ip#" + address, policy.name(), policy, null, true);
        }

        /** A bucket under any key with a fixed policy and no TTL, like a workspace's (benchmarks, tests). */
        public static Bucket of(Map<String, AttributeValue> key, RateLimitPolicy policy) {
            return new Bucket(key, Table.keyString(key), policy.name(), policy, null, false);
        }

        String label() {
            return workspaceId != null ? "workspace " + workspaceId : policyName + " bucket";
        }
    }

    private enum Branch { BUSY, IDLE, CREATE }

    /**
     * Takes one token or finds none. Throws the SDK's exception when DynamoDB does not answer
     * (throttling, 5xx, network): the caller decides whether that fails open or closed.
     */
    public RateLimitDecision tryTake(Bucket bucket) {
        long now = micros(clock.instant());
        Seen last = seen.get(bucket.id());
        Branch branch = last != null && last.tat() >= now ? Branch.BUSY : Branch.IDLE;
        RateLimitPolicy creating = null;
        int writes = 0, reads = 0;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            writes++;
            try {
                Map<String, AttributeValue> item = write(bucket, branch, creating, now);
                Gcra.State s = stateOf(item);
                int burst;
                if (s.interval() > 0) {
                    burst = burstOf(item, s);
                } else {
                    // DynamoDB returns an attribute named in SET even when its value is unchanged (DynamoDB Local does; asserted
                    // in TokenBucketsIT). Should a service ever leave it out, report what this container last saw rather than fail.
                    Seen had = seen.get(bucket.id());
                    if (had == null) throw new IllegalStateException("rate limit bucket " + bucket.label() + ": the write returned no iv");
                    s = new Gcra.State(s.tat(), s.lim(), had.interval());
                    burst = had.burst();
                }
                remember(bucket, s, burst);
                return new RateLimitDecision(RateLimitDecision.Outcome.ADMITTED, bucket.policyName(), burst,
                        Gcra.remaining(s.lim(), s.interval(), now, burst), Gcra.resetSeconds(s.lim(), now), writes, reads);
            } catch (ConditionalCheckFailedException e) {
                Map<String, AttributeValue> old = e.hasItem() ? e.item() : Map.of();
                if (!old.containsKey(IV)) {
                    // No bucket yet. A client address's idle write creates it; a workspace's needs its plan.
                    if (bucket.policy() == null && branch != Branch.CREATE) {
                        reads++;
                        creating = workspacePolicy.apply(bucket.workspaceId());
                        branch = Branch.CREATE;
                    } else {
                        branch = Branch.IDLE;
                    }
                    continue;
                }
                if (!old.containsKey(TAT) || Attr.num(old, TAT) < now) {
                    branch = Branch.IDLE;
                    continue;
                }
                Gcra.State s = stateOf(old);
                Seen state = remember(bucket, s, burstOf(old, s));
                if (state.lim() > now) {
                    return new RateLimitDecision(RateLimitDecision.Outcome.REJECTED, bucket.policyName(), state.burst(), 0,
                            Gcra.retryAfterSeconds(state.lim(), now), writes, reads);
                }
                branch = Branch.BUSY;
            }
        }
        // tat only grows, so the branches cannot alternate for long; reaching this means the item is not what it should be.
        throw new IllegalStateException("rate limit bucket " + bucket.label() + " undecided after " + MAX_ATTEMPTS + " writes");
    }

    /**
     * The decision this container can make without DynamoDB: a rejection while the bucket it last
     * saw stays empty, else null. Used when DynamoDB cannot be reached and a route fails open, so
     * that a bucket being hammered hard enough to be throttled does not open by being throttled.
     */
    public RateLimitDecision lastKnownRejection(Bucket bucket) {
        Seen last = seen.get(bucket.id());
        long now = micros(clock.instant());
        if (last == null || last.lim() <= now) return null;
        return new RateLimitDecision(RateLimitDecision.Outcome.REJECTED, bucket.policyName(), last.burst(), 0,
                Gcra.retryAfterSeconds(last.lim(), now), 0, 0);
    }

    /** The busy write (the hot path), constant: its update and condition expressions (public for the benchmark's shaped raw write). */
    public static final String BUSY_UPDATE = "SET tat = tat + iv, lim = lim + iv, iv = iv";
    public static final String BUSY_CONDITION = "tat >= :now AND lim <= :now";
    /** What an admitting write returns. */
    public static final ReturnValue ADMISSION_RETURNS = ReturnValue.UPDATED_NEW;
    private static final String IDLE_OWN_POLICY_UPDATE = "SET tat = :now + iv, lim = :now + ivt, iv = iv";
    private static final String IDLE_OWN_POLICY_CONDITION = "attribute_exists(iv) AND (attribute_not_exists(tat) OR tat < :now)";
    private static final String POLICY_UPDATE = "SET tat = :now + :iv, lim = :now + :ivt";
    private static final String IDLE_CONDITION = "attribute_not_exists(tat) OR tat < :now";
    private static final String CREATE_CONDITION = "attribute_not_exists(iv)";
    private static final String POLICY_ASSIGNMENTS = ", iv = :iv, ivt = :ivt, burst = :burst, rpm = :rpm, policy = :policy, #type = :type";
    private static final Map<String, String> TYPE_NAME = Map.of("#type", "type");
    private static final Map<String, String> TTL_NAME = Map.of("#ttl", Keys.TTL);
    private static final Map<String, String> TYPE_AND_TTL_NAMES = Map.of("#type", "type", "#ttl", Keys.TTL);

    /**
     * One conditional UpdateItem. The hot expressions use plain attribute names (none of tat, lim,
     * iv, ivt, burst, rpm, policy is a DynamoDB reserved word) and no ExpressionAttributeNames.
     * <p>
     * An admitting write returns {@code UPDATED_NEW}: {@code tat}, {@code lim} and {@code iv}, not
     * the whole item. The busy and own-policy idle writes name {@code iv = iv} (no change) only so that
     * it is returned; the burst follows from the three, since every write keeps {@code tat − lim = τ
     * = (burst − 1)·iv} ({@link #burstOf}). So the headers come from the item as the write left it,
     * also right after a plan change this container has not seen.
     */
    private Map<String, AttributeValue> write(Bucket bucket, Branch branch, RateLimitPolicy creating, long now) {
        AttributeValue nowValue = Attr.n(now);
        String update;
        String condition;
        Map<String, AttributeValue> values;
        Map<String, String> names = null;
        RateLimitPolicy written = switch (branch) {
            case BUSY -> {
                update = BUSY_UPDATE;
                condition = BUSY_CONDITION;
                yield null;
            }
            case IDLE -> {
                if (bucket.policy() == null) { // the item's own policy (a workspace's plan)
                    update = IDLE_OWN_POLICY_UPDATE;
                    condition = IDLE_OWN_POLICY_CONDITION;
                } else {
                    update = POLICY_UPDATE;
                    condition = IDLE_CONDITION;
                }
                yield bucket.policy();
            }
            case CREATE -> {
                update = POLICY_UPDATE;
                condition = CREATE_CONDITION;
                yield creating;
            }
        };
        if (written == null && !bucket.expires()) {
            values = Map.of(":now", nowValue); // the busy write on a workspace bucket: nothing else varies
        } else {
            values = new HashMap<>(16);
            values.put(":now", nowValue);
            if (written != null) {
                update += POLICY_ASSIGNMENTS;
                policyValues(written, bucket, values);
                names = TYPE_NAME;
            }
            if (bucket.expires()) {
                // Client-address buckets are many and short-lived: DynamoDB deletes them an hour after they would be full again.
                values.put(":ttl", Attr.n(now / 1_000_000 + (bucket.policy().toleranceMicros() + bucket.policy().intervalMicros()) / 1_000_000 + 3600));
                update += ", #ttl = :ttl";
                names = names == null ? TTL_NAME : TYPE_AND_TTL_NAMES;
            }
        }
        UpdateItemRequest.Builder b = UpdateItemRequest.builder().tableName(table.name()).key(bucket.key()).updateExpression(update)
                .conditionExpression(condition).expressionAttributeValues(values)
                .returnValues(ADMISSION_RETURNS)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD);
        if (names != null) b.expressionAttributeNames(names);
        return table.client().updateItem(b.build()).attributes();
    }

    /** The values of {@link #POLICY_ASSIGNMENTS}: the policy's attributes, assigned by an idle or create write. */
    private static void policyValues(RateLimitPolicy p, Bucket bucket, Map<String, AttributeValue> values) {
        values.put(":iv", Attr.n(p.intervalMicros()));
        values.put(":ivt", Attr.n(p.intervalMicros() - p.toleranceMicros()));
        values.put(":burst", Attr.n(p.burst()));
        values.put(":rpm", Attr.n(p.requestsPerMinute()));
        values.put(":policy", Attr.s(bucket.policyName()));
        values.put(":type", Attr.s(TYPE));
    }

    /**
     * The bucket's state from an item: the whole item (a failed condition's ALL_OLD) or an admitting
     * write's UPDATED_NEW ({@code tat, lim, iv}). The burst is the item's {@code burst} when present,
     * else {@code (tat − lim) / iv + 1}: every write keeps {@code tat − lim = τ = (burst − 1)·iv}
     * (idle and create set {@code tat = now + T, lim = now + T − τ}, busy adds {@code iv} to both,
     * a plan change sets {@code iv} and {@code lim = tat − τ} in one transaction).
     */
    static Gcra.State stateOf(Map<String, AttributeValue> item) {
        return new Gcra.State(Attr.num(item, TAT), Attr.num(item, LIM), Attr.num(item, IV));
    }

    static int burstOf(Map<String, AttributeValue> item, Gcra.State s) {
        if (item.containsKey(BURST)) return (int) Attr.num(item, BURST);
        return (int) ((s.tat() - s.lim()) / s.interval() + 1);
    }

    private Seen remember(Bucket bucket, Gcra.State s, int burst) {
        Seen state = new Seen(s.tat(), s.lim(), s.interval(), burst);
        seen.merge(bucket.id(), state, (had, got) -> got.tat() >= had.tat() ? got : had);
        return state;
    }

    static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    // ---- the workspace side: its bucket follows its plan ------------------------------------------------------

    /** A new workspace's bucket, full, with its plan's policy: put in the transaction that creates the workspace. */
    public static Map<String, AttributeValue> workspaceBucketItem(String workspaceId, Plan plan) {
        RateLimitPolicy p = RateLimitPolicy.forPlan(plan);
        Map<String, AttributeValue> item = new HashMap<>(Keys.workspaceRateLimit(workspaceId));
        item.put("type", Attr.s(TYPE));
        item.put(POLICY, Attr.s(p.name()));
        item.put(PLAN, Attr.s(plan.wireName()));
        item.put(IV, Attr.n(p.intervalMicros()));
        item.put(IVT, Attr.n(p.intervalMicros() - p.toleranceMicros()));
        item.put(BURST, Attr.n(p.burst()));
        item.put(RPM, Attr.n(p.requestsPerMinute()));
        return item;
    }

    /** Adds the workspace's bucket, full, to the transaction that creates the workspace. */
    public static void putWorkspaceBucket(Tx tx, String workspaceId, Plan plan) {
        tx.put(workspaceBucketItem(workspaceId, plan), null, null, null, null);
    }

    /**
     * Adds to a plan change's transaction: the bucket takes the new plan's policy (created if
     * missing). Its {@code tat} is kept, and {@code lim} recomputed with the new tolerance, so the
     * tokens already spent stay spent and the next request is decided by the new plan.
     */
    public static void changeWorkspacePlan(Tx tx, String workspaceId, Plan plan) {
        RateLimitPolicy p = RateLimitPolicy.forPlan(plan);
        tx.update(Keys.workspaceRateLimit(workspaceId),
                "SET #type = :type, policy = :policy, #plan = :plan, iv = :iv, ivt = :ivt, burst = :burst, rpm = :rpm,"
                        + " lim = if_not_exists(tat, :zero) - :tau",
                null, Map.of("#type", "type", "#plan", PLAN),
                Tx.values(":type", Attr.s(TYPE), ":policy", Attr.s(p.name()), ":plan", Attr.s(plan.wireName()),
                        ":iv", Attr.n(p.intervalMicros()), ":ivt", Attr.n(p.intervalMicros() - p.toleranceMicros()),
                        ":burst", Attr.n(p.burst()), ":rpm", Attr.n(p.requestsPerMinute()),
                        ":zero", Attr.n(0), ":tau", Attr.n(p.toleranceMicros())),
                null);
    }
}
