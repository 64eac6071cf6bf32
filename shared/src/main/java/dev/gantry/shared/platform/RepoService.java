package dev.gantry.shared.platform;

import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Json;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.queues.Outbox;
import dev.gantry.shared.store.Tx;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Connected repos and scans (API.md §6). Connecting needs a GitHub App installation linked to the
 * workspace that covers the repo (unless the local server is told to skip that check); the repo,
 * its first scan and the scan's queue message are one transaction.
 */
public final class RepoService {
    /** GitHub's owner and repository name rules. */
    public static final Pattern FULL_NAME = Pattern.compile("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$");

    private final Platform p;
    private final boolean skipInstallationCheck;

    public RepoService(Platform platform, boolean skipInstallationCheck) {
        this.p = platform;
        this.skipInstallationCheck = skipInstallationCheck;
    }

    public record View(String id, String fullName, String scanStatus, String language, String framework, String buildpack,
                       Boolean procfileDetected, Boolean dockerfileDetected, String scanId, String lastScannedAt, Long installationId,
                       String createdAt) {
        public static View of(RepoRepository.Repo r) {
            var f = r.findings();
            return new View(r.id(), r.fullName(), r.scanStatus(), f == null ? null : f.language(), f == null ? null : f.framework(),
                    f == null ? null : f.buildpack(), f == null ? null : f.procfileDetected(), f == null ? null : f.dockerfileDetected(),
                    r.scanId(), r.lastScannedAt() == null ? null : r.lastScannedAt().toString(),
                    r.installationId() == 0 ? null : r.installationId(), r.createdAt().toString());
        }
    }

    public record ScanStarted(String scanId, String status) {}

    public View connect(Principal principal, String fullName, Caller caller) {
        long installationId = 0;
        if (!skipInstallationCheck) {
            InstallationRepository.Installation installation = p.installations().covering(principal.workspaceId(), fullName);
            if (installation == null) {
                throw new ApiException(403, "github_app_not_installed", "No GitHub App installation linked to this workspace covers "
                        + fullName + ". Install the app on its owner (GET /v1/github/install) and give it access to the repository.");
            }
            installationId = installation.id();
        }
        Instant now = p.clock().instant();
        String id = Ids.newId("repo", now);
        String scanId = Ids.newId("sc", now);
        var repo = new RepoRepository.Repo(id, principal.workspaceId(), fullName, installationId, "pending", scanId, null, null, now, 1);
        Tx tx = new Tx(p.table());
        p.repos().create(tx, repo);
        Outbox.Message scan = queueScan(tx, principal.workspaceId(), id, scanId, now, false);
        p.audit().record(tx, caller, null, principal.workspaceId(), "repo.connected", "repo", id, Map.of("full_name", fullName));
        tx.commit();
        p.outbox().publish(List.of(scan));
        return View.of(repo);
    }

    private Outbox.Message queueScan(Tx tx, String workspaceId, String repoId, String scanId, Instant now, boolean pointRepo) {
        var scan = new RepoRepository.Scan(scanId, repoId, workspaceId, "queued", null, null, now, null);
        if (pointRepo) p.repos().addScan(tx, scan);
        else p.repos().putScan(tx, scan);
        return p.outbox().add(tx, Platform.SCANS_QUEUE, scanMessage(repoId, scanId), 0);
    }

    static String scanMessage(String repoId, String scanId) {
        return Json.writeString(Map.of("kind", "scan", "repo_id", repoId, "scan_id", scanId));
    }

    public RepoRepository.Repo require(Principal principal, String id) {
        RepoRepository.Repo r = Ids.isValid("repo", id) ? p.repos().get(id) : null;
        if (r == null || !r.workspaceId().equals(principal.workspaceId())) throw ApiException.notFound("repo");
        return r;
    }

    public Page<View> list(Principal principal, int limit, String cursor) {
        String scope = "repos:" + principal.workspaceId();
        var slice = p.repos().list(principal.workspaceId(), limit, p.cursors().decode(scope, cursor));
        return new Page<>(slice.repos().stream().map(View::of).toList(), p.cursors().encode(scope, slice.lastKey()));
    }

    public ScanStarted rescan(Principal principal, String id, Caller caller) {
        require(principal, id);
        Instant now = p.clock().instant();
        String scanId = Ids.newId("sc", now);
        Tx tx = new Tx(p.table());
        Outbox.Message scan = queueScan(tx, principal.workspaceId(), id, scanId, now, true);
        tx.commit();
        p.outbox().publish(List.of(scan));
        return new ScanStarted(scanId, "queued");
    }

    /** Disconnects the repo; its environments and VMs stay (API.md §6). */
    public void disconnect(Principal principal, String id, Long expectedVersion, Caller caller) {
        RepoRepository.Repo repo = require(principal, id);
        Tx tx = new Tx(p.table());
        p.repos().delete(tx, repo, expectedVersion);
        p.audit().record(tx, caller, null, principal.workspaceId(), "repo.disconnected", "repo", id, Map.of("full_name", repo.fullName()));
        tx.commit();
    }
}
