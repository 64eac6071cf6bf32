package dev.gantry.shared.store;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;

/**
 * Every key of the single table, built in one place. Attribute and index names here are also
 * what the CDK stack and the local server create the table with. See docs/data-model.md.
 */
public final class Keys {
    public static final String PK = "pk";
    public static final String SK = "sk";
    public static final String GSI1 = "gsi1";
    public static final String GSI1_PK = "gsi1pk";
    public static final String GSI1_SK = "gsi1sk";
    /** GSI2 and GSI3: second and third list orders of the same items (deploys by environment and by repo). */
    public static final String GSI2 = "gsi2";
    public static final String GSI2_PK = "gsi2pk";
    public static final String GSI2_SK = "gsi2sk";
    public static final String GSI3 = "gsi3";
    public static final String GSI3_PK = "gsi3pk";
    public static final String GSI3_SK = "gsi3sk";
    public static final String TTL = "ttl";

    private Keys() {}

    public static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of(PK, Attr.s(pk), SK, Attr.s(sk));
    }

    public static Map<String, AttributeValue> user(String userId) { return key("USER#" + userId, "USER"); }

    public static Map<String, AttributeValue> email(String normalizedEmail) { return key("EMAIL#" + normalizedEmail, "EMAIL"); }

    public static Map<String, AttributeValue> workspace(String workspaceId) { return key(workspacePk(workspaceId), "WS"); }

    public static String workspacePk(String workspaceId) { return "WS#" + workspaceId; }

    public static Map<String, AttributeValue> member(String workspaceId, String userId) { return key(workspacePk(workspaceId), MEMBER_PREFIX + userId); }

    public static final String MEMBER_PREFIX = "MEMBER#";

    /** A user's memberships on GSI1, oldest first. */
    public static String userMemberships(String userId) { return "USER#" + userId; }

    public static String membershipSort(String joinedAt, String workspaceId) { return "MEMBERSHIP#" + joinedAt + "#" + workspaceId; }

    public static Map<String, AttributeValue> session(String sessionId) { return key("SESSION#" + sessionId, "SESSION"); }

    /** A GitHub sign-in in progress (single use, removed by TTL). */
    public static Map<String, AttributeValue> oauthState(String stateId) { return key("OAUTHSTATE#" + stateId, "OAUTHSTATE"); }

    /** The claim that links a GitHub user (by GitHub's numeric id, which never changes) to one Gantry user. */
    public static Map<String, AttributeValue> githubUser(long githubUserId) { return key("GITHUB#" + githubUserId, "GITHUB"); }

    public static Map<String, AttributeValue> apiKey(String keyId) { return key("APIKEY#" + keyId, "APIKEY"); }

    /** A workspace's API keys on GSI1, newest first. */
    public static String workspaceApiKeys(String workspaceId) { return workspacePk(workspaceId) + "#APIKEYS"; }

    public static final String DATA_KEY_PREFIX = "DATAKEY#";
    public static final String CURRENT_DATA_KEY_SK = DATA_KEY_PREFIX + "current";

    /** A workspace's data key (envelope encryption), wrapped by the master key. */
    public static Map<String, AttributeValue> dataKey(String workspaceId, String dataKeyId) {
        return key(workspacePk(workspaceId), DATA_KEY_PREFIX + dataKeyId);
    }

    /** The pointer to the data key new encryptions of a workspace use. */
    public static Map<String, AttributeValue> currentDataKey(String workspaceId) {
        return key(workspacePk(workspaceId), CURRENT_DATA_KEY_SK);
    }

    /** One Idempotency-Key of one workspace (the key is stored hashed; it can be up to 255 characters). */
    public static Map<String, AttributeValue> idempotency(String workspaceId, String keyHash) {
        return key("IDEM#" + workspaceId + "#" + keyHash, "IDEM");
    }

    /** A workspace's token bucket (rate limits: docs/rate-limits.md). Kept for the workspace's life. */
    public static Map<String, AttributeValue> workspaceRateLimit(String workspaceId) { return key("RL#ws#" + workspaceId, "RL"); }

    /** A client address's token bucket on the anonymous credential routes (removed by TTL once full again). */
    public static Map<String, AttributeValue> clientRateLimit(String address) { return key("RL#ip#" + address, "RL"); }

    public static final String AUDIT_PREFIX = "AUDIT#";

    public static Map<String, AttributeValue> audit(String workspaceId, String auditId) { return key(workspacePk(workspaceId), AUDIT_PREFIX + auditId); }

    /** Audit entries of one action on GSI1, for {@code ?action=}. */
    public static String auditByAction(String workspaceId, String action) { return workspacePk(workspaceId) + "#AUDIT#" + action; }

    // --- platform resources (API.md §6–§8); see docs/data-model.md ----------------------------

    /** An environment. Also holds the pointer to its current env-var set ({@code env_vars_version}). */
    public static Map<String, AttributeValue> environment(String environmentId) { return key("ENV#" + environmentId, "ENV"); }

    public static String environmentPk(String environmentId) { return "ENV#" + environmentId; }
    /** The claim that makes an environment's name unique within its repo. */
    public static Map<String, AttributeValue> environmentName(String repoId, String name) { return key("ENVNAME#" + repoId + "#" + name, "ENVNAME"); }

    /** A repo's environments on GSI1, newest first. */
    public static String repoEnvironments(String repoId) { return "REPO#" + repoId + "#ENVS"; }

    public static Map<String, AttributeValue> repo(String repoId) { return key("REPO#" + repoId, "REPO"); }

    /** The claim that makes a connected repo unique within a workspace (full name lower-cased: GitHub names are case-insensitive). */
    public static Map<String, AttributeValue> repoName(String workspaceId, String fullNameLower) { return key("REPONAME#" + workspaceId + "#" + fullNameLower, "REPONAME"); }

    public static String workspaceRepos(String workspaceId) { return workspacePk(workspaceId) + "#REPOS"; }

    /** A scan of a repo: in the repo's own partition, newest last by id. */
    public static Map<String, AttributeValue> scan(String repoId, String scanId) { return key("REPO#" + repoId, "SCAN#" + scanId); }

    /** A GitHub App installation linked to a workspace (an installation is linked to at most one). */
    public static Map<String, AttributeValue> installation(long installationId) { return key("GHINST#" + installationId, "GHINST"); }

    /** A repository an installation may use (from installation webhooks and the installation's repo list). */
    public static Map<String, AttributeValue> installationRepo(long installationId, String fullNameLower) { return key("GHINST#" + installationId, "REPO#" + fullNameLower); }

    public static String installationPk(long installationId) { return "GHINST#" + installationId; }

    public static String workspaceInstallations(String workspaceId) { return workspacePk(workspaceId) + "#GHINST"; }

    /**
     * A connected repo found by its GitHub name (lower-cased), across workspaces: webhooks name
     * repos, not repo ids. One item per connected repo, written and deleted with it.
     */
    public static Map<String, AttributeValue> githubRepo(String fullNameLower, String repoId) { return key(githubRepoPk(fullNameLower), "REPO#" + repoId); }

    public static String githubRepoPk(String fullNameLower) { return "GHREPO#" + fullNameLower; }

    /** One GitHub webhook delivery by its {@code X-GitHub-Delivery} id (kept about 30 days by TTL): redeliveries keep the id. */
    public static Map<String, AttributeValue> githubDelivery(String deliveryId) { return key("GHDELIVERY#" + deliveryId, "GHDELIVERY"); }

    public static Map<String, AttributeValue> computeTarget(String id) { return key("CT#" + id, "CT"); }

    public static String workspaceComputeTargets(String workspaceId) { return workspacePk(workspaceId) + "#CTS"; }

    public static Map<String, AttributeValue> instance(String id) { return key("INST#" + id, "INST"); }

    public static String workspaceInstances(String workspaceId) { return workspacePk(workspaceId) + "#INSTS"; }

    public static Map<String, AttributeValue> job(String id) { return key("JOB#" + id, "JOB"); }

    public static String workspaceJobs(String workspaceId) { return workspacePk(workspaceId) + "#JOBS"; }

    /** A message waiting to be sent to a queue, written in the transaction of the change that causes it. */
    public static Map<String, AttributeValue> outbox(String id) { return key("OUTBOX#" + id, "OUTBOX"); }

    /** Pending outbox messages on GSI1, oldest first, for the relay's sweep. */
    public static final String OUTBOX_PENDING = "OUTBOX";

    // --- env vars, shared secrets, bindings (API.md §7); see docs/data-model.md "Env vars and secrets" ----

    /**
     * The partition of one env-var set of an environment: one item per variable. A set is written
     * once under a fresh {@code setId} and never changed; the environment item's {@code env_vars_set}
     * names the current one (the pointer swap).
     */
    public static String envVarSetPk(String environmentId, String setId) { return "ENVVARS#" + environmentId + "#" + setId; }

    public static final String ENV_VAR_PREFIX = "VAR#";

    public static Map<String, AttributeValue> envVar(String environmentId, String setId, String key) {
        return key(envVarSetPk(environmentId, setId), ENV_VAR_PREFIX + key);
    }

    public static final String BINDING_PREFIX = "BINDING#";
    public static final String ALIAS_PREFIX = "ALIAS#";

    /** A shared secret bound to an environment; lives in the environment's partition. */
    public static Map<String, AttributeValue> binding(String environmentId, String bindingId) {
        return key(environmentPk(environmentId), BINDING_PREFIX + bindingId);
    }

    /** Claims an alias within one environment, so two bindings cannot inject the same name. */
    public static Map<String, AttributeValue> aliasClaim(String environmentId, String alias) {
        return key(environmentPk(environmentId), ALIAS_PREFIX + alias);
    }

    public static Map<String, AttributeValue> secret(String secretId) { return key("SECRET#" + secretId, "SECRET"); }

    /** A workspace's shared secrets on GSI1, newest first. */
    public static String workspaceSecrets(String workspaceId) { return workspacePk(workspaceId) + "#SECRETS"; }

    /** Makes (workspace, scope, key) unique among shared secrets, and finds a secret by it in one GetItem. */
    public static Map<String, AttributeValue> secretKeyClaim(String workspaceId, String scope, String key) {
        return key("SECRETKEY#" + workspaceId + "#" + scope + "#" + key, "SECRETKEY");
    }

    /** How many bindings of a workspace reference a secret key (any scope): guards deleting a bound secret. */
    public static Map<String, AttributeValue> secretRefs(String workspaceId, String key) {
        return key("SECRETREF#" + workspaceId + "#" + key, "SECRETREF");
    }

    // --- deploys (API.md §9) --------------------------------------------------------------------

    public static Map<String, AttributeValue> deploy(String deployId) { return key(deployPk(deployId), "DEPLOY"); }

    public static String deployPk(String deployId) { return "DEPLOY#" + deployId; }

    /** One log line of a deploy, in its partition, ordered by time then sequence. */
    public static Map<String, AttributeValue> deployLog(String deployId, String sortKey) { return key(deployPk(deployId), sortKey); }

    public static final String DEPLOY_LOG_PREFIX = "LOG#";

    /** A workspace's deploys on GSI1, an environment's on GSI2, a repo's on GSI3: newest first. */
    public static String workspaceDeploys(String workspaceId) { return workspacePk(workspaceId) + "#DEPLOYS"; }

    public static String environmentDeploys(String environmentId) { return "ENV#" + environmentId + "#DEPLOYS"; }

    public static String repoDeploys(String repoId) { return "REPO#" + repoId + "#DEPLOYS"; }

    // --- outbound webhooks (API.md §11); see docs/webhooks.md and docs/data-model.md "Webhooks" -----

    /** A customer's webhook endpoint (its secrets envelope-encrypted inside). */
    public static Map<String, AttributeValue> webhookEndpoint(String endpointId) { return key("WHE#" + endpointId, "WHE"); }

    /** A workspace's webhook endpoints on GSI1, newest first (at most the plan's quota: the fan-out reads them all). */
    public static String workspaceWebhookEndpoints(String workspaceId) { return workspacePk(workspaceId) + "#WHES"; }

    /** An event that happened in a workspace, written in the transaction of the change that caused it (TTL 30 days). */
    public static Map<String, AttributeValue> event(String eventId) { return key("EVT#" + eventId, "EVT"); }

    /** One delivery of one event to one endpoint (the Standard Webhooks message: its id is the webhook-id). */
    public static Map<String, AttributeValue> delivery(String messageId) { return key(deliveryPk(messageId), "MSG"); }

    public static String deliveryPk(String messageId) { return "MSG#" + messageId; }

    public static final String DELIVERY_ATTEMPT_PREFIX = "ATTEMPT#";

    /** One attempt of a delivery, in the delivery's partition, in order ({@code attempt} zero-padded). */
    public static Map<String, AttributeValue> deliveryAttempt(String messageId, int attempt) {
        return key(deliveryPk(messageId), DELIVERY_ATTEMPT_PREFIX + String.format("%03d", attempt));
    }

    /** An endpoint's deliveries on GSI1, newest first. */
    public static String endpointDeliveries(String endpointId) { return "WHE#" + endpointId + "#MSGS"; }

    /** An endpoint's deliveries of one status on GSI2, newest first (moved when the status changes). */
    public static String endpointDeliveriesByStatus(String endpointId, String status) { return "WHE#" + endpointId + "#MSGS#" + status; }
}
