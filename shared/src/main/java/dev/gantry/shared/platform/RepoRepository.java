package dev.gantry.shared.platform;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Item;
import dev.gantry.shared.store.ItemVersion;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Connected repos and their scans. The repo item carries the latest completed scan's findings,
 * so GET /v1/repos/{id} is one read; scans live in the repo's partition for their history.
 */
public final class RepoRepository {
    private final Table table;

    public RepoRepository(Table table) {
        this.table = table;
    }

    /** What a scan found. */
    public record Findings(String language, String framework, String buildpack, boolean procfileDetected, boolean dockerfileDetected) {}

    public record Repo(String id, String workspaceId, String fullName, long installationId, String scanStatus, String scanId,
                       Findings findings, Instant lastScannedAt, Instant createdAt, long version) {}

    public record Scan(String id, String repoId, String workspaceId, String status, String error, Findings findings, Instant createdAt,
                       Instant completedAt) {}

    public record Slice(List<Repo> repos, Map<String, AttributeValue> lastKey) {}

    public void create(Tx tx, Repo r) {
        tx.create(new Item(Keys.repo(r.id())).s("type", "repo").s("id", r.id()).s("workspace_id", r.workspaceId()).s("full_name", r.fullName())
                .n("installation_id", r.installationId()).s("scan_status", r.scanStatus()).s("pending_scan_id", r.scanId())
                .t("created_at", r.createdAt()).n("ver", 1).gsi1(Keys.workspaceRepos(r.workspaceId()), r.id()).map(),
                () -> ApiException.conflict("conflict", "Repo id collision; try again."));
        tx.create(new Item(Keys.repoName(r.workspaceId(), r.fullName().toLowerCase(Locale.ROOT))).s("type", "repo_name").s("repo_id", r.id()).map(),
                () -> ApiException.conflict("already_exists", r.fullName() + " is already connected to this workspace.",
                        Map.of("field", "full_name")));
        tx.put(githubRepoItem(r.fullName(), r.id(), r.workspaceId()), null, null, null, null);
    }

    /** The item that finds a connected repo by its GitHub name (webhooks name repos, not repo ids). */
    private static Map<String, AttributeValue> githubRepoItem(String fullName, String repoId, String workspaceId) {
        return new Item(Keys.githubRepo(fullName.toLowerCase(Locale.ROOT), repoId)).s("type", "github_repo").s("repo_id", repoId)
                .s("workspace_id", workspaceId).map();
    }

    /**
     * Every connected repo (in any workspace) whose GitHub full name is {@code fullName}, compared
     * case-insensitively as GitHub does. One Query on the name's partition, then one consistent
     * GetItem per repo.
     */
    public List<Repo> byFullName(String fullName) {
        List<Repo> out = new java.util.ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            var page = table.query(b -> b.keyConditionExpression("#pk = :pk").expressionAttributeNames(Map.of("#pk", Keys.PK))
                    .expressionAttributeValues(Map.of(":pk", Attr.s(Keys.githubRepoPk(fullName.toLowerCase(Locale.ROOT)))))
                    .consistentRead(true).exclusiveStartKey(from));
            for (Map<String, AttributeValue> item : page.items()) {
                Repo r = get(Attr.str(item, "repo_id"));
                if (r != null) out.add(r);
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    /**
     * The repo was renamed on GitHub: its {@code full_name} changes, and the items keyed by the
     * name (the by-GitHub-name item and the per-workspace name claim) move with it, in one
     * transaction. A workspace that already has a repo of the new name connected: 409
     * {@code already_exists}, nothing written. A case-only rename changes the name alone.
     */
    public void rename(Repo r, String newFullName) {
        String oldLower = r.fullName().toLowerCase(Locale.ROOT);
        String newLower = newFullName.toLowerCase(Locale.ROOT);
        Tx tx = new Tx(table);
        tx.update(Keys.repo(r.id()), "SET full_name = :new, #ver = #ver + :one", "attribute_exists(" + Keys.PK + ") AND full_name = :old",
                Map.of("#ver", "ver"), Tx.values(":new", Attr.s(newFullName), ":old", Attr.s(r.fullName()), ":one", Attr.n(1)),
                () -> ApiException.conflict("conflict", "The repo changed or was disconnected meanwhile."));
        if (!oldLower.equals(newLower)) {
            tx.delete(Keys.githubRepo(oldLower, r.id()), null, null, null, null);
            tx.put(githubRepoItem(newFullName, r.id(), r.workspaceId()), null, null, null, null);
            tx.delete(Keys.repoName(r.workspaceId(), oldLower), null, null, null, null);
            tx.create(new Item(Keys.repoName(r.workspaceId(), newLower)).s("type", "repo_name").s("repo_id", r.id()).map(),
                    () -> ApiException.conflict("already_exists", newFullName + " is already connected to this workspace."));
        }
        tx.commit();
    }

    /**
     * The repository was deleted on GitHub. The connected repo is kept (its environments, env vars
     * and deploy history stay readable, and a user decides when to disconnect it), marked
     * {@code github_status = deleted}.
     */
    public void markGitHubDeleted(Repo r, Instant now) {
        try {
            table.client().updateItem(b -> b.tableName(table.name()).key(Keys.repo(r.id()))
                    .updateExpression("SET github_status = :deleted, github_deleted_at = :now, #ver = #ver + :one")
                    .conditionExpression("attribute_exists(" + Keys.PK + ") AND (attribute_not_exists(github_status) OR github_status <> :deleted)")
                    .expressionAttributeNames(Map.of("#ver", "ver"))
                    .expressionAttributeValues(Map.of(":deleted", Attr.s("deleted"), ":now", Attr.s(now.toString()), ":one", Attr.n(1))));
        } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException goneOrAlreadyMarked) {
            // disconnected meanwhile, or a redelivered event: nothing to do
        }
    }

    public Repo get(String id) {
        Map<String, AttributeValue> item = table.get(Keys.repo(id), true);
        return item == null ? null : fromItem(item);
    }

    public Slice list(String workspaceId, int limit, Map<String, AttributeValue> start) {
        Table.Slice s = table.listGsi1(Keys.workspaceRepos(workspaceId), limit, start);
        return new Slice(s.items().stream().map(RepoRepository::fromItem).toList(), s.lastKey());
    }

    public void delete(Tx tx, Repo r, Long expectedVersion) {
        ItemVersion.Check c = ItemVersion.condition(expectedVersion, "attribute_exists(" + Keys.PK + ")");
        tx.delete(Keys.repo(r.id()), c.condition(), c.names(), c.values(), ItemVersion.failure(expectedVersion, () -> ApiException.notFound("repo")));
        tx.delete(Keys.repoName(r.workspaceId(), r.fullName().toLowerCase(Locale.ROOT)), null, null, null, null);
        tx.delete(Keys.githubRepo(r.fullName().toLowerCase(Locale.ROOT), r.id()), null, null, null, null);
    }

    /** Records a queued scan (the first one: {@link #create} already points the repo at it). */
    public void putScan(Tx tx, Scan s) {
        tx.create(new Item(Keys.scan(s.repoId(), s.id())).s("type", "scan").s("id", s.id()).s("repo_id", s.repoId())
                .s("workspace_id", s.workspaceId()).s("status", s.status()).t("created_at", s.createdAt()).map(), null);
    }

    /** Records a queued scan and points the repo at it. */
    public void addScan(Tx tx, Scan s) {
        putScan(tx, s);
        tx.update(Keys.repo(s.repoId()), "SET scan_status = :q, pending_scan_id = :id, #ver = #ver + :one", "attribute_exists(" + Keys.PK + ")",
                Map.of("#ver", "ver"), Tx.values(":q", Attr.s("queued"), ":id", Attr.s(s.id()), ":one", Attr.n(1)),
                () -> ApiException.notFound("repo"));
    }

    public Scan getScan(String repoId, String scanId) {
        Map<String, AttributeValue> item = table.get(Keys.scan(repoId, scanId), true);
        return item == null ? null : scanFromItem(item);
    }

    /** Claims a queued scan for running; false when it already ran (a redelivered message). */
    public boolean startScan(String repoId, String scanId) {
        try {
            table.client().updateItem(b -> b.tableName(table.name()).key(Keys.scan(repoId, scanId))
                    .updateExpression("SET #s = :running").conditionExpression("#s IN (:queued, :running)")
                    .expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(Map.of(":running", Attr.s("running"), ":queued", Attr.s("queued"))));
            return true;
        } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException done) {
            return false;
        }
    }

    /**
     * Finishes a scan; when it is still the repo's newest, the repo shows its findings (a repo
     * disconnected meanwhile is left alone). {@code findings} null: the scan failed with {@code error}.
     */
    public void finishScan(String repoId, String scanId, Findings findings, String error, Instant now) {
        finishScan(repoId, scanId, findings, error, now, null);
    }

    /** {@code alsoInTx} (may be null) adds to the scan's own transaction (the repo.scan_completed event). */
    public void finishScan(String repoId, String scanId, Findings findings, String error, Instant now, java.util.function.Consumer<Tx> alsoInTx) {
        String status = findings != null ? "completed" : "failed";
        Map<String, String> names = new HashMap<>(Map.of("#s", "status"));
        Item v = new Item(Map.of()).s(":st", status).s(":now", now.toString()).s(":running", "running");
        StringBuilder set = new StringBuilder("SET #s = :st, completed_at = :now");
        findingsUpdate(findings, error, set, names, v);
        Tx scanTx = new Tx(table).update(Keys.scan(repoId, scanId), set.toString(), "#s = :running", names, v.map(),
                () -> ApiException.conflict("conflict", "The scan already finished."));
        if (alsoInTx != null) alsoInTx.accept(scanTx);
        scanTx.commit();

        Map<String, String> repoNames = new HashMap<>(Map.of("#ver", "ver"));
        Item r = new Item(Map.of()).s(":id", scanId).s(":st", status).n(":one", 1);
        StringBuilder repoSet = new StringBuilder("SET scan_status = :st, #ver = #ver + :one");
        if (findings != null) {
            repoSet.append(", scan_id = :id, last_scanned_at = :now");
            r.s(":now", now.toString());
        }
        findingsUpdate(findings, error, repoSet, repoNames, r);
        try {
            table.client().updateItem(b -> b.tableName(table.name()).key(Keys.repo(repoId)).updateExpression(repoSet.toString())
                    .conditionExpression("attribute_exists(" + Keys.PK + ") AND pending_scan_id = :id")
                    .expressionAttributeNames(repoNames).expressionAttributeValues(r.map()));
        } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException supersededOrGone) {
            // a newer scan was queued, or the repo was disconnected: this scan's result stays in its own item
        }
    }

    /** Adds the findings (or the error) to an update expression. */
    private static void findingsUpdate(Findings findings, String error, StringBuilder set, Map<String, String> names, Item values) {
        if (findings != null) {
            set.append(", #lang = :lang, framework = :fw, buildpack = :bp, procfile_detected = :pf, dockerfile_detected = :df");
            names.put("#lang", "language");
            values.s(":lang", findings.language()).bool(":pf", findings.procfileDetected()).bool(":df", findings.dockerfileDetected());
            values.map().put(":fw", Attr.sOrNull(findings.framework()));
            values.map().put(":bp", Attr.sOrNull(findings.buildpack()));
        }
        if (error != null) {
            set.append(", scan_error = :err");
            values.s(":err", error);
        } else {
            set.append(" REMOVE scan_error");
        }
    }

    static Repo fromItem(Map<String, AttributeValue> item) {
        Findings f = item.containsKey("language") ? new Findings(Attr.str(item, "language"), Attr.str(item, "framework"),
                Attr.str(item, "buildpack"), Attr.flag(item, "procfile_detected"), Attr.flag(item, "dockerfile_detected")) : null;
        return new Repo(Attr.str(item, "id"), Attr.str(item, "workspace_id"), Attr.str(item, "full_name"), Attr.num(item, "installation_id"),
                Attr.str(item, "scan_status"), Attr.str(item, "scan_id"), f, Item.instant(item, "last_scanned_at"),
                Item.instant(item, "created_at"), Attr.num(item, "ver"));
    }

    static Scan scanFromItem(Map<String, AttributeValue> item) {
        Findings f = item.containsKey("language") ? new Findings(Attr.str(item, "language"), Attr.str(item, "framework"),
                Attr.str(item, "buildpack"), Attr.flag(item, "procfile_detected"), Attr.flag(item, "dockerfile_detected")) : null;
        return new Scan(Attr.str(item, "id"), Attr.str(item, "repo_id"), Attr.str(item, "workspace_id"), Attr.str(item, "status"),
                Attr.str(item, "scan_error"), f, Item.instant(item, "created_at"), Item.instant(item, "completed_at"));
    }
}
