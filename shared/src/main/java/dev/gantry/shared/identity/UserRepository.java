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
        item.put("password_hash", Attr.s(user.passwordHash()));
        if (user.githubLogin() != null) item.put("github_login", Attr.s(user.githubLogin()));
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
        Map<String, AttributeValue> claim = table.get(Keys.email(normalizeEmail(email)), false);
        return claim == null ? null : Attr.str(claim, "user_id");
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
