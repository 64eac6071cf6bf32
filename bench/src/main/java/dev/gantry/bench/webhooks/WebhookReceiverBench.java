package dev.gantry.bench.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gantry.local.LocalOptions;
import dev.gantry.local.LocalServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The GitHub webhook receiver through the local server (BENCHMARKS.md, "GitHub webhook receiver"):
 * <ol>
 * <li>time from request to 200 for {@code deliveries} signed pushes sent one after the other
 * (verify, record, enqueue: the receiver's whole job), min / median / p99 / max;</li>
 * <li>pushes per second turned into queued deploys: {@code pushes} pushes to an auto-deploying
 * branch sent by 8 senders at once, timed from the first send until every one of them is a deploy
 * in the API (through the github-events queue and worker, as in AWS).</li>
 * </ol>
 * Usage: {@code WebhookReceiverBench [deliveries=3000] [pushes=300]}
 */
public final class WebhookReceiverBench {
    private static final String SECRET = "bench-webhook-secret";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static String base;

    public static void main(String[] args) throws Exception {
        int deliveries = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int pushes = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        try (LocalServer server = LocalServer.start(LocalOptions.defaults().withPort(0).withBcryptCost(4)
                .with("GANTRY_GITHUB_WEBHOOK_SECRET", SECRET))) {
            base = server.baseUrl().toString();
            String token = json("POST", "/v1/auth/signup", "{\"email\":\"bench-" + UUID.randomUUID().toString().substring(0, 8)
                    + "@example.com\",\"password\":\"correct horse battery\",\"name\":\"Bench\"}", null).get("token").asText();
            json("POST", "/v1/subscription/change", "{\"plan\":\"team\"}", token);
            String repo = json("POST", "/v1/repos", "{\"full_name\":\"gantry-demo/flask-app\"}", token).get("id").asText();
            String ct = json("POST", "/v1/compute-targets", "{\"provider\":\"hetzner\",\"name\":\"H\",\"api_token\":\"hcloud-bench-0123456789\"}", token)
                    .get("id").asText();
            String env = json("POST", "/v1/repos/" + repo + "/environments", "{\"name\":\"bench\",\"compute_target_id\":\"" + ct + "\"}", token)
                    .get("id").asText();

            // 1. latency: pushes to a branch no environment tracks (the full receive path, no deploys behind it)
            for (int i = 0; i < 200; i++) send(push("warmup", i)); // JIT warm-up, not counted
            double[] ms = new double[deliveries];
            for (int i = 0; i < deliveries; i++) {
                byte[] body = push("feature/bench", i);
                long t0 = System.nanoTime();
                int status = send(body);
                ms[i] = (System.nanoTime() - t0) / 1e6;
                if (status != 200) throw new IllegalStateException("delivery answered " + status);
            }
            Arrays.sort(ms);
            System.out.printf("receiver, %d deliveries one after the other: min %.2f ms, median %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    deliveries, ms[0], ms[deliveries / 2], ms[(int) Math.ceil(deliveries * 0.99) - 1], ms[deliveries - 1]);

            // 2. pushes per second into queued deploys (main is the environment's branch)
            long start = System.nanoTime();
            ExecutorService senders = Executors.newFixedThreadPool(8);
            List<Future<Integer>> sent = new ArrayList<>();
            for (int i = 0; i < pushes; i++) {
                int n = i;
                sent.add(senders.submit(() -> send(push("main", 1_000_000 + n))));
            }
            for (Future<Integer> f : sent) if (f.get() != 200) throw new IllegalStateException("a push was refused");
            double sendSeconds = (System.nanoTime() - start) / 1e9;
            senders.shutdown();
            int deploys;
            while ((deploys = countDeploys(token, env)) < pushes) Thread.sleep(100);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("pushes: %d sent by 8 senders in %.2f s (%.0f deliveries/s answered); all %d were deploys after %.2f s: %.0f pushes/s%n",
                    pushes, sendSeconds, pushes / sendSeconds, deploys, seconds, pushes / seconds);
        }
    }

    private static int countDeploys(String token, String env) throws Exception {
        int count = 0;
        String cursor = null;
        do {
            JsonNode page = json("GET", "/v1/deploys?environment_id=" + env + "&limit=100" + (cursor == null ? "" : "&cursor=" + cursor), null, token);
            count += page.get("data").size();
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        } while (cursor != null);
        return count;
    }

    private static byte[] push(String branch, int n) {
        String sha = String.format("%040x", n);
        return ("{\"ref\":\"refs/heads/" + branch + "\",\"before\":\"" + "0".repeat(40) + "\",\"after\":\"" + sha + "\",\"deleted\":false,"
                + "\"repository\":{\"id\":1,\"name\":\"flask-app\",\"full_name\":\"gantry-demo/flask-app\"},\"installation\":{\"id\":1},"
                + "\"pusher\":{\"name\":\"bench\"},\"sender\":{\"login\":\"bench\"},\"head_commit\":{\"id\":\"" + sha + "\",\"message\":\"bench " + n + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static int send(byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/webhooks/github")).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json").header("X-GitHub-Event", "push")
                .header("X-GitHub-Delivery", UUID.randomUUID().toString())
                .header("X-Hub-Signature-256", "sha256=" + HexFormat.of().formatHex(mac.doFinal(body))).build();
        return HTTP.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static JsonNode json(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        return JSON.readTree(r.body());
    }
}
