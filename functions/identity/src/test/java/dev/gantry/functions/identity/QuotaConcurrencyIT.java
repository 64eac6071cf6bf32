package dev.gantry.functions.identity;

import dev.gantry.shared.testing.Reply;
import dev.gantry.shared.testing.TestStack;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Quotas hold under concurrency: the usage counter and its limit are checked in the same
 * transaction as the create, so concurrent creates at the limit cannot both succeed.
 */
class QuotaConcurrencyIT {
    @Test
    void concurrentAddsAtTheLimitNeverExceedIt() throws Exception {
        IdentityClient api = new IdentityClient(new IdentityHandler(TestStack.newWiring()));
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        String token = api.signup("quota-" + suffix + "@example.com", "Quota").text("/token");
        api.call("POST", "/v1/subscription/change", "{\"plan\":\"hobby\"}", token).expect(200); // 3 members: the owner + 2
        int contenders = 8;
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < contenders; i++) emails.add(api.signup("quota-" + i + "-" + suffix + "@example.com", "C" + i).text("/user/email"));

        ExecutorService pool = Executors.newFixedThreadPool(contenders);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Reply>> replies = new ArrayList<>();
        for (String email : emails) {
            replies.add(pool.submit(() -> {
                go.await();
                // A transaction that lost a race with another is 409 conflict: the client retries it.
                Reply r;
                do {
                    r = api.call("POST", "/v1/members", "{\"email\":\"" + email + "\",\"role\":\"viewer\"}", token);
                } while (r.status() == 409 && "conflict".equals(r.text("/error")));
                return r;
            }));
        }
        go.countDown();
        int added = 0, refused = 0;
        for (Future<Reply> f : replies) {
            Reply r = f.get();
            if (r.status() == 201) added++;
            else {
                r.expectError(402, "plan_limit_exceeded");
                assertThat(r.json().at("/details/limit").asInt()).isEqualTo(3);
                refused++;
            }
        }
        pool.shutdown();
        assertThat(added).isEqualTo(2);
        assertThat(refused).isEqualTo(contenders - 2);
        var me = api.call("GET", "/v1/me", null, token).expect(200);
        assertThat(me.json().at("/quota/members/used").asInt()).isEqualTo(3);
        assertThat(api.call("GET", "/v1/members?limit=100", null, token).json().get("data")).hasSize(3);
    }
}
