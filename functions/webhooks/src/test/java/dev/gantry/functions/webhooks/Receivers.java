package dev.gantry.functions.webhooks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** Real HTTP webhook receivers on loopback (JDK HttpServer), one path each, recording every request. */
final class Receivers implements AutoCloseable {
    record Received(String path, Map<String, List<String>> headers, String body) {
        String header(String name) {
            for (var e : headers.entrySet()) if (e.getKey().equalsIgnoreCase(name)) return e.getValue().get(0);
            return null;
        }

        /** The headers as the Standard Webhooks verifier reads them (lower-case names). */
        Map<String, List<String>> standardHeaders() {
            return Map.of("webhook-id", List.of(header("webhook-id")), "webhook-timestamp", List.of(header("webhook-timestamp")),
                    "webhook-signature", List.of(header("webhook-signature")));
        }
    }

    /** What a receiver answers to its n-th request (1-based): status and headers. */
    record Answer(int status, Map<String, String> headers, long delayMillis) {
        static Answer of(int status) { return new Answer(status, Map.of(), 0); }
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final Map<String, List<Received>> received = new ConcurrentHashMap<>();

    Receivers() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(pool);
        server.start();
    }

    /** Adds a receiver at {@code path}; answers its URL. */
    String add(String path, Function<Integer, Answer> answers) {
        AtomicInteger count = new AtomicInteger();
        received.put(path, java.util.Collections.synchronizedList(new ArrayList<>()));
        server.createContext(path, exchange -> handle(exchange, path, answers.apply(count.incrementAndGet())));
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private void handle(HttpExchange exchange, String path, Answer answer) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.get(path).add(new Received(path, Map.copyOf(exchange.getRequestHeaders()), body));
        try {
            if (answer.delayMillis() > 0) Thread.sleep(answer.delayMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        try {
            exchange.sendResponseHeaders(answer.status(), -1);
        } catch (IOException ignored) {
            // the sender gave up (timeout): nothing to answer
        }
        exchange.close();
    }

    List<Received> at(String path) {
        return List.copyOf(received.get(path));
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
