package dev.gantry.shared.identity;

import dev.gantry.shared.auth.Role;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.ItemVersion;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Memberships: who belongs to a workspace with which role; indexed by user on GSI1.
 * <p>
 * Optimistic locking ({@link ItemVersion}): {@code ver} covers the member item only (its role),
 * which is all a member write changes. {@code GET /v1/members/{user_id}} also shows the user's
 * name and email, from the user item: a change there changes the ETag but not the member's
 * version, so it is caught by the router's If-Match comparison but is not part of the atomic step.
 */
public final class MemberRepository {
    private final Table table;

    public MemberRepository(Table table) {
        this.table = table;
    }

    public record Member(String workspaceId, String userId, Role role, Instant joinedAt, long version) {
        /** A new membership (its version is 1 once added). */
        public Member(String workspaceId, String userId, Role role, Instant joinedAt) {
            this(workspaceId, userId, role, joinedAt, 1);
        }
    }

    public record Slice(List<Member> members, Map<String, AttributeValue> lastKey) {}

    public void add(Tx tx, Member m) {
        Map<String, AttributeValue> item = new HashMap<>(Keys.member(m.workspaceId(), m.userId()));
        item.put("type", Attr.s("member"));
        item.put("workspace_id", Attr.s(m.workspaceId()));
        item.put("user_id", Attr.s(m.userId()));
        item.put("role", Attr.s(m.role().wireName()));
        item.put("joined_at", Attr.s(m.joinedAt().toString()));
        item.put(ItemVersion.ATTR, Attr.n(1));
        item.put(Keys.GSI1_PK, Attr.s(Keys.userMemberships(m.userId())));
        item.put(Keys.GSI1_SK, Attr.s(Keys.membershipSort(m.joinedAt().toString(), m.workspaceId())));
        tx.create(item, () -> ApiException.conflict("already_exists", "That user is already a member of this workspace."));
    }

    public Member get(String workspaceId, String userId, boolean consistent) {
        Map<String, AttributeValue> item = table.get(Keys.member(workspaceId, userId), consistent);
        return item == null ? null : fromItem(item);
    }

    /**
     * Changes a role only if it is still {@code expected}: a concurrent change makes this fail with
     * 409, or with 412 when {@code expectedVersion} (If-Match) is set and the member is no longer that version.
     */
    public void changeRole(Tx tx, String workspaceId, String userId, Role expected, Role role, Long expectedVersion) {
        ItemVersion.Check c = ItemVersion.check(expectedVersion, "#r = :expected");
        c.names().put("#r", "role");
        c.values().putAll(Tx.values(":r", Attr.s(role.wireName()), ":expected", Attr.s(expected.wireName())));
        tx.update(Keys.member(workspaceId, userId), "SET #r = :r, " + ItemVersion.BUMP, c.condition(), c.names(), c.values(),
                ItemVersion.failure(expectedVersion, () -> ApiException.conflict("conflict", "The member changed at the same time; try again.")));
    }

    public void remove(Tx tx, String workspaceId, String userId, Role expected, Long expectedVersion) {
        ItemVersion.Check c = ItemVersion.deleteCheck(expectedVersion, "#role = :expected");
        c.names().put("#role", "role");
        c.values().put(":expected", Attr.s(expected.wireName()));
        tx.delete(Keys.member(workspaceId, userId), c.condition(), c.names(), c.values(),
                ItemVersion.failure(expectedVersion, () -> ApiException.conflict("conflict", "The member changed at the same time; try again.")));
    }

    /** Members of a workspace in user-id order (user ids are ULIDs, so: oldest account first). */
    public Slice list(String workspaceId, int limit, Map<String, AttributeValue> startKey) {
        QueryResponse r = table.query(b -> b.keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expressionAttributeNames(Map.of("#pk", Keys.PK, "#sk", Keys.SK))
                .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.workspacePk(workspaceId)), ":prefix", Attr.s(Keys.MEMBER_PREFIX)))
                .limit(limit).exclusiveStartKey(startKey));
        return new Slice(r.items().stream().map(MemberRepository::fromItem).toList(), r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null);
    }

    /** Every workspace a user belongs to, oldest membership first. */
    public Slice membershipsOf(String userId, int limit, Map<String, AttributeValue> startKey) {
        QueryResponse r = table.query(b -> b.indexName(Keys.GSI1)
                .keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", Keys.GSI1_PK))
                .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.userMemberships(userId))))
                .limit(limit).exclusiveStartKey(startKey));
        return new Slice(r.items().stream().map(MemberRepository::fromItem).toList(), r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null);
    }

    static Member fromItem(Map<String, AttributeValue> item) {
        return new Member(Attr.str(item, "workspace_id"), Attr.str(item, "user_id"), Role.fromWire(Attr.str(item, "role")),
                Instant.parse(Attr.str(item, "joined_at")), ItemVersion.of(item));
    }
}
