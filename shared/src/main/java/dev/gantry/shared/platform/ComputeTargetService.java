package dev.gantry.shared.platform;

import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.compute.ComputeProvider;
import dev.gantry.shared.compute.ProviderException;
import dev.gantry.shared.compute.Providers;
import dev.gantry.shared.crypto.Aad;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.identity.WorkspaceRepository;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.plans.Plan;
import dev.gantry.shared.store.Tx;

import java.time.Instant;
import java.util.Map;

/**
 * Compute targets (API.md §8): the provider token is verified against the provider's API before
 * anything is stored, then kept only as envelope ciphertext and never returned.
 */
public final class ComputeTargetService {
    private final Platform p;
    private final Providers providers;

    public ComputeTargetService(Platform platform, Providers providers) {
        this.p = platform;
        this.providers = providers;
    }

    public record View(String id, String provider, String name, String status, String defaultRegion, long environmentCount, String createdAt) {
        public static View of(ComputeTargetRepository.ComputeTarget t) {
            return new View(t.id(), t.provider(), t.name(), t.status(), t.defaultRegion(), t.envRefs(), t.createdAt().toString());
        }
    }

    /** The AAD of a stored provider token: bound to its workspace and compute target. */
    static Aad tokenAad(String workspaceId, String computeTargetId) {
        return Aad.of(workspaceId, "compute_target", computeTargetId, "api_token");
    }

    public ComputeProvider provider(String name) {
        if (name == null || !providers.knows(name)) {
            throw new ApiException(400, "invalid_provider", "Gantry supports the providers hetzner and digitalocean.",
                    Map.of("fields", java.util.List.of(new ApiException.FieldProblem("provider", "must be hetzner or digitalocean"))), Map.of());
        }
        return providers.forName(name);
    }

    public View create(Principal principal, String providerName, String name, String apiToken, Caller caller) {
        ComputeProvider provider = provider(providerName);
        WorkspaceRepository.Workspace ws = p.workspaces().get(principal.workspaceId(), true);
        if (ws == null) throw ApiException.notFound("workspace");
        if (ws.used(Plan.Resource.COMPUTE_TARGETS) >= ws.plan().limit(Plan.Resource.COMPUTE_TARGETS)) {
            // fail before calling the provider; the transaction below is what makes the limit exact
            throw ApiException.planLimitExceeded(Plan.Resource.COMPUTE_TARGETS.wireName(), ws.used(Plan.Resource.COMPUTE_TARGETS),
                    ws.plan().limit(Plan.Resource.COMPUTE_TARGETS), ws.plan().wireName(), p.workspaces().upgradeUrl());
        }
        ComputeProvider.Account account;
        try {
            account = provider.verify(apiToken);
        } catch (ProviderException e) {
            throw asApiError(provider, e);
        }
        Instant now = p.clock().instant();
        String id = Ids.newId("ct", now);
        String ciphertext = p.cipher().get().encrypt(apiToken, tokenAad(ws.id(), id));
        var target = new ComputeTargetRepository.ComputeTarget(id, ws.id(), provider.name(), name, "valid", account.defaultRegion(),
                ciphertext, 0, now, 1);
        Tx tx = new Tx(p.table());
        p.workspaces().reserve(tx, ws, Plan.Resource.COMPUTE_TARGETS);
        p.computeTargets().create(tx, target);
        p.audit().record(tx, caller, null, ws.id(), "compute_target.created", "compute_target", id, Map.of("provider", provider.name()));
        tx.commit();
        return View.of(target);
    }

    /** A provider failure as the API answers it: a rejected token is the client's 400, anything else a 503 to retry. */
    static ApiException asApiError(ComputeProvider provider, ProviderException e) {
        return switch (e.kind()) {
            case INVALID_TOKEN -> ApiException.invalidToken("The " + provider.name() + " API rejected this token; check it and its permissions.");
            case REJECTED -> new ApiException(400, "validation_error", e.getMessage());
            default -> ApiException.unavailable("The " + provider.name() + " API is not answering (" + e.getMessage() + "); try again later.");
        };
    }

    public ComputeTargetRepository.ComputeTarget require(Principal principal, String id) {
        ComputeTargetRepository.ComputeTarget t = Ids.isValid("ct", id) ? p.computeTargets().get(id) : null;
        if (t == null || !t.workspaceId().equals(principal.workspaceId())) throw ApiException.notFound("compute_target");
        return t;
    }

    public Page<View> list(Principal principal, int limit, String cursor) {
        String scope = "compute_targets:" + principal.workspaceId();
        var slice = p.computeTargets().list(principal.workspaceId(), limit, p.cursors().decode(scope, cursor));
        return new Page<>(slice.targets().stream().map(View::of).toList(), p.cursors().encode(scope, slice.lastKey()));
    }

    public void delete(Principal principal, String id, Long expectedVersion, Caller caller) {
        require(principal, id);
        Tx tx = new Tx(p.table());
        p.computeTargets().delete(tx, id, expectedVersion);
        p.workspaces().release(tx, principal.workspaceId(), Plan.Resource.COMPUTE_TARGETS);
        p.audit().record(tx, caller, null, principal.workspaceId(), "compute_target.deleted", "compute_target", id, Map.of());
        tx.commit();
    }

    /** The stored token in clear, for the job worker's provider calls. */
    public String token(ComputeTargetRepository.ComputeTarget t) {
        return p.cipher().get().decrypt(t.tokenCiphertext(), tokenAad(t.workspaceId(), t.id()));
    }
}
