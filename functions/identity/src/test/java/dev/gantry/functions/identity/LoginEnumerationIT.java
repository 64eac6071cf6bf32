package dev.gantry.functions.identity;

import dev.gantry.shared.testing.DynamoCallCounter;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Login must not reveal whether an email has an account. Wall-clock timing is too noisy to assert
 * here, so this checks the deterministic part: a wrong password and an unknown email make the
 * same DynamoDB calls and get byte-identical answers but for the request id (and both run one
 * bcrypt verification: see AuthService.login and PasswordHasher.verifyNothing).
 */
class LoginEnumerationIT {
    @Test
    void wrongPasswordAndUnknownEmailDoTheSameWork() {
        DynamoCallCounter calls = new DynamoCallCounter();
        IdentityClient api = new IdentityClient(new IdentityHandler(TestStack.newWiring(Clock.systemUTC(), calls)));
        api.signup("exists@example.com", "Exists");

        calls.reset();
        var wrong = api.call("POST", "/v1/auth/login", "{\"email\":\"exists@example.com\",\"password\":\"wrong password\"}", (String) null)
                .expectError(401, "invalid_credentials");
        List<String> wrongCalls = calls.operations();

        calls.reset();
        var unknown = api.call("POST", "/v1/auth/login", "{\"email\":\"nobody@example.com\",\"password\":\"wrong password\"}", (String) null)
                .expectError(401, "invalid_credentials");
        List<String> unknownCalls = calls.operations();

        // UpdateItem: the client address's rate limit bucket (docs/rate-limits.md); GetItem: the email claim
        assertThat(wrongCalls).isEqualTo(unknownCalls).containsExactly("UpdateItem", "GetItem");
        assertThat(wrong.raw().replace(wrong.text("/request_id"), "")).isEqualTo(unknown.raw().replace(unknown.text("/request_id"), ""));
    }
}
