package dev.gantry.shared.identity;

import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.store.Table;
import dev.gantry.shared.store.Tx;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Users, and the email claims that keep emails unique. */
public final class UserRepository {
    private final Table table;

    public UserRepository(Table table) {
        this.table = table;
    }

    public record User(String id, String email, String name, String passwordHash, String githubLogin, Instant createdAt) {}

    public static String normalizeEmail(String email) {
        return email.trim().toLowerCase(Locale.ROOT);
    }

    /** The user and the claim on their email; a taken email fails the transaction with 409. */
    public void create(Tx tx, User user) {
        create(tx, user, null);
    }

    /**
     * A user who signed up through GitHub (no password): the user with {@code github_id}, the claim
     * on their email and the claim on their GitHub id. A taken email or GitHub id fails with 409.
     */
    public void createWithGitHub(Tx tx, User user, long githubId) {
        create(tx, user, githubId);
        claimGitHub(tx, githubId, user.id(), user.githubLogin());
    }

    private void create(Tx tx, User user, Long githubId) {
        Map<String, AttributeValue> claim = new HashMap<>(Keys.email(normalizeEmail(user.email())));
        claim.put("type", Attr.s("email_claim"));
        claim.put("user_id", Attr.s(user.id()));
        // The hash sits on the claim too, so a login costs one read whether or not the email exists.
        if (user.passwordHash() != null) claim.put("password_hash", Attr.s(user.passwordHash()));
        tx.create(claim, () -> ApiException.conflict("already_exists", "An account with this email already exists."));

        Map<String, AttributeValue> item = new HashMap<>(Keys.user(user.id()));
        item.put("type", Attr.s("user"));
        item.put("id", Attr.s(user.id()));
        item.put("email", Attr.s(user.email()));
        item.put("name", Attr.s(user.name()));
        // A user who signs in only through GitHub has no password (and so no hash: password login fails for them).
        if (user.passwordHash() != null) item.put("password_hash", Attr.s(user.passwordHash()));
        if (user.githubLogin() != null) item.put("github_login", Attr.s(user.githubLogin()));
        if (githubId != null) item.put("github_id", Attr.n(githubId));
        item.put("created_at", Attr.s(user.createdAt().toString()));
        tx.create(item, () -> ApiException.conflict("conflict", "User id collision; try again."));
    }

    public User get(String userId) {
        Map<String, AttributeValue> item = table.get(Keys.user(userId), false);
        return item == null ? null : fromItem(item);
    }

    /** What a login needs: the user id and password hash, in one read of the email claim. */
    public record Credentials(String userId, String passwordHash) {}

    public Credentials findCredentials(String email) {
        Map<String, AttributeValue> claim = table.get(Keys.email(normalizeEmail(email)), false);
        return claim == null ? null : new Credentials(Attr.str(claim, "user_id"), Attr.str(claim, "password_hash"));
    }

    public String findIdByEmail(String email) {
        Credentials found = findCredentials(email);
        return found == null ? null : found.userId();
    }

    // --- GitHub sign-in ----------------------------------------------------------------------

    /** The Gantry user a GitHub user is linked to, or null. */
    public String findIdByGitHub(long githubId) {
        Map<String, AttributeValue> claim = table.get(Keys.githubUser(githubId), true);
        return claim == null ? null : Attr.str(claim, "user_id");
    }

    private void claimGitHub(Tx tx, long githubId, String userId, String login) {
        Map<String, AttributeValue> claim = new HashMap<>(Keys.githubUser(githubId));
        claim.put("type", Attr.s("github_claim"));
        claim.put("github_id", Attr.n(githubId));
        claim.put("user_id", Attr.s(userId));
        if (login != null) claim.put("github_login", Attr.s(login));
        tx.create(claim, () -> ApiException.conflict("conflict", "This GitHub account was just linked by another sign-in; try again."));
    }

    /**
     * Links an existing user to a GitHub user: the claim on the GitHub id, and {@code github_id},
     * {@code github_login} on the user. A user already linked to another GitHub account is refused (409).
     */
    public void linkGitHub(Tx tx, String userId, String email, long githubId, String login, java.time.Instant now) {
        claimGitHub(tx, githubId, userId, login);
        // Nobody proved they own the email at sign-up; GitHub has. Whoever set a password on this
        // email before loses it, and every login started before now ends (logins_valid_from_ms).
        tx.update(Keys.email(normalizeEmail(email)), "REMOVE password_hash", "user_id = :uid", null,
                Tx.values(":uid", Attr.s(userId)), () -> ApiException.conflict("conflict", "The account changed at the same time; try again."));
        tx.update(Keys.user(userId), "SET github_id = :gid, github_login = :login, logins_valid_from_ms = :now REMOVE password_hash",
                "attribute_exists(" + Keys.PK + ") AND (attribute_not_exists(github_id) OR github_id = :gid)", null,
                Tx.values(":gid", Attr.n(githubId), ":login", Attr.s(login), ":now", Attr.n(now.toEpochMilli())),
                () -> ApiException.conflict("conflict", "This Gantry account is linked to another GitHub account."));
    }

    /** True when a login started at {@code sessionCreatedMs} predates the user's logins_valid_from_ms. */
    public static boolean loginEnded(Map<String, AttributeValue> userItem, long sessionCreatedMs) {
        return userItem != null && userItem.containsKey("logins_valid_from_ms") && sessionCreatedMs < Attr.num(userItem, "logins_valid_from_ms");
    }

    /** Keeps {@code github_login} current (a GitHub user may rename); the link itself is the id. */
    public void refreshGitHubLogin(Tx tx, String userId, long githubId, String login) {
        tx.update(Keys.user(userId), "SET github_login = :login", "github_id = :gid", null,
                Tx.values(":gid", Attr.n(githubId), ":login", Attr.s(login)),
                () -> ApiException.conflict("conflict", "The account's GitHub link changed; sign in again."));
    }

    /** A GitHub user access token, encrypted with the envelope cipher under {@code workspaceId}'s data key. */
    public record StoredGitHubToken(String ciphertext, String workspaceId, Instant updatedAt) {}

    /** Stores the user's GitHub token (already encrypted; never plaintext) on the user item. */
    public void setGitHubToken(String userId, StoredGitHubToken token) {
        table.client().updateItem(b -> b.tableName(table.name()).key(Keys.user(userId))
                .updateExpression("SET github_token = :t, github_token_workspace_id = :ws, github_token_updated_at = :at")
                .conditionExpression("attribute_exists(" + Keys.PK + ")")
                .expressionAttributeValues(Map.of(":t", Attr.s(token.ciphertext()), ":ws", Attr.s(token.workspaceId()),
                        ":at", Attr.s(token.updatedAt().toString()))));
    }

    /** The stored GitHub token of a user (still encrypted), or null. */
    public StoredGitHubToken gitHubToken(String userId) {
        Map<String, AttributeValue> item = table.get(Keys.user(userId), true);
        if (item == null || Attr.str(item, "github_token") == null) return null;
        String at = Attr.str(item, "github_token_updated_at");
        return new StoredGitHubToken(Attr.str(item, "github_token"), Attr.str(item, "github_token_workspace_id"),
                at == null ? null : Instant.parse(at));
    }

    public Map<String, User> getAll(List<String> userIds) {
        Map<String, User> out = new HashMap<>();
        table.batchGet(userIds.stream().map(Keys::user).toList(), false).values()
                .forEach(item -> out.put(Attr.str(item, "id"), fromItem(item)));
        return out;
    }

    static User fromItem(Map<String, AttributeValue> item) {
        return new User(Attr.str(item, "id"), Attr.str(item, "email"), Attr.str(item, "name"),
                Attr.str(item, "password_hash"), Attr.str(item, "github_login"), Instant.parse(Attr.str(item, "created_at")));
    }
}
