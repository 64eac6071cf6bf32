package dev.gantry.shared.platform;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Item;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * GitHub App installations linked to workspaces, and the repositories each may use. The
 * installation item is keyed by GitHub's installation id, so "linked to at most one workspace"
 * is a condition on one item; its repositories are items in its partition.
 */
public final class InstallationRepository {
    private final Table table;

    public InstallationRepository(Table table) {
        this.table = table;
    }

    public record Installation(long id, String workspaceId, String accountLogin, String accountType, String status, Instant linkedAt,
                               String linkedBy) {
        public boolean active() { return "active".equals(status); }
    }

    /** Links an installation to a workspace; 409 when another workspace has it. Re-linking to the same workspace is fine. */
    public void link(Tx tx, Installation i) {
        tx.put(new Item(Keys.installation(i.id())).s("type", "github_installation").n("installation_id", i.id())
                        .s("workspace_id", i.workspaceId()).s("account_login", i.accountLogin()).s("account_type", i.accountType())
                        .s("status", i.status()).t("linked_at", i.linkedAt()).s("linked_by", i.linkedBy())
                        .gsi1(Keys.workspaceInstallations(i.workspaceId()), Long.toString(i.id())).map(),
                "attribute_not_exists(" + Keys.PK + ") OR workspace_id = :ws", null, Tx.values(":ws", Attr.s(i.workspaceId())),
                () -> ApiException.conflict("conflict", "This GitHub App installation is linked to another workspace."));
    }

    public Installation get(long id) {
        Map<String, AttributeValue> item = table.get(Keys.installation(id), true);
        return item == null ? null : fromItem(item);
    }

    public List<Installation> listByWorkspace(String workspaceId) {
        return table.allGsi1(Keys.workspaceInstallations(workspaceId)).stream().map(InstallationRepository::fromItem).toList();
    }

    /** GitHub said the installation is suspended, unsuspended or deleted. Nothing happens for an unknown installation. */
    public void setStatus(long id, String status) {
        try {
            table.client().updateItem(b -> b.tableName(table.name()).key(Keys.installation(id)).updateExpression("SET #s = :s")
                    .conditionExpression("attribute_exists(" + Keys.PK + ")").expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(Map.of(":s", Attr.s(status))));
        } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException unknown) {
            // not linked to any workspace: nothing to update
        }
    }

    /** Unlinks (installation deleted): removes the link item; its repository items go too. */
    public void unlink(long id) {
        table.client().deleteItem(b -> b.tableName(table.name()).key(Keys.installation(id)));
        removeRepos(id, reposOf(id));
    }

    public void addRepos(long id, Collection<String> fullNames) {
        write(fullNames.stream().map(n -> WriteRequest.builder().putRequest(p -> p.item(new Item(Keys.installationRepo(id, n.toLowerCase(Locale.ROOT)))
                .s("type", "github_installation_repo").s("full_name", n).map())).build()).toList());
    }

    public void removeRepos(long id, Collection<String> fullNames) {
        write(fullNames.stream().map(n -> WriteRequest.builder().deleteRequest(d -> d.key(Keys.installationRepo(id, n.toLowerCase(Locale.ROOT))))
                .build()).toList());
    }

    public List<String> reposOf(long id) {
        List<String> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            var r = table.query(b -> b.keyConditionExpression("#pk = :pk AND begins_with(#sk, :repo)")
                    .expressionAttributeNames(Map.of("#pk", Keys.PK, "#sk", Keys.SK))
                    .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.installationPk(id)), ":repo", Attr.s("REPO#")))
                    .exclusiveStartKey(from));
            r.items().forEach(item -> out.add(Attr.str(item, "full_name")));
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    /** The first active installation linked to {@code workspaceId} that covers {@code fullName}, or null. One query and one batch read. */
    public Installation covering(String workspaceId, String fullName) {
        List<Installation> active = listByWorkspace(workspaceId).stream().filter(Installation::active).toList();
        if (active.isEmpty()) return null;
        String lower = fullName.toLowerCase(Locale.ROOT);
        var found = table.batchGet(active.stream().map(i -> Keys.installationRepo(i.id(), lower)).toList(), true);
        for (Installation i : active) {
            if (found.containsKey(Keys.installationPk(i.id()) + "|REPO#" + lower)) return i;
        }
        return null;
    }

    private void write(List<WriteRequest> requests) {
        table.batchWrite(requests);
    }

    static Installation fromItem(Map<String, AttributeValue> item) {
        return new Installation(Attr.num(item, "installation_id"), Attr.str(item, "workspace_id"), Attr.str(item, "account_login"),
                Attr.str(item, "account_type"), Attr.str(item, "status"), Item.instant(item, "linked_at"), Attr.str(item, "linked_by"));
    }
}
