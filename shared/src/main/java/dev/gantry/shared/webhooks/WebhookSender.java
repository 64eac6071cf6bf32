package dev.gantry.shared.webhooks;

import dev.gantry.shared.observability.Tracing;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sends one webhook POST to an address the {@link UrlGuard} has checked, and nowhere else.
 *
 * <p>Why not {@code java.net.http.HttpClient}: it resolves the URL's host itself, so between the
 * guard's lookup and its own an attacker's DNS could answer a private address (rebinding), and it
 * offers no way to connect to a given IP while presenting the original name for TLS (SNI and
 * certificate checks) and in {@code Host}. A webhook POST is a small, fixed exchange, so this class
 * speaks HTTP/1.1 itself over a socket connected to the checked address: TLS with SNI set to the
 * URL's host and hostname verification ({@code endpointIdentificationAlgorithm=HTTPS}) against it,
 * {@code Connection: close}, and only the status line and headers are read (the body is ignored).
 * Redirects are never followed: a 3xx is returned as it is. The whole exchange has one deadline.
 */
public class WebhookSender {
    /** What the receiver answered, or why there was no answer ({@code statusCode} null). */
    public record Result(Integer statusCode, Map<String, String> headers, String error, long durationMs) {
        public String header(String name) { return headers == null ? null : headers.get(name.toLowerCase(Locale.ROOT)); }
    }

    private static final int MAX_HEADER_BYTES = 32 * 1024;

    private final SSLContext tls;

    public WebhookSender() {
        this(defaultContext());
    }

    /** {@code tls}: the trust the receivers' certificates are checked against (tests may pass their own). */
    public WebhookSender(SSLContext tls) {
        this.tls = tls;
    }

    private static SSLContext defaultContext() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no default TLS context", e);
        }
    }

    public Result post(UrlGuard.Target target, Map<String, String> headers, String body, Duration timeout) {
        return Tracing.remote("webhook endpoint", () -> attempt(target, headers, body, timeout));
    }

    private Result attempt(UrlGuard.Target target, Map<String, String> headers, String body, Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        IOException last = null;
        for (InetAddress address : target.addresses()) {
            try {
                return exchange(target, address, headers, body, deadline, start);
            } catch (SocketTimeoutException e) {
                return new Result(null, Map.of(), "timed out after " + timeout.toMillis() + " ms", elapsed(start));
            } catch (IOException e) {
                last = e; // try the next checked address, like a browser would
                if (System.nanoTime() >= deadline) break;
            }
        }
        String why = last == null ? "no address" : describe(last);
        return new Result(null, Map.of(), why, elapsed(start));
    }

    private Result exchange(UrlGuard.Target target, InetAddress address, Map<String, String> headers, String body, long deadline, long start)
            throws IOException {
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress(address, target.port()), remainingMillis(deadline));
            Socket socket = raw;
            if (target.tls()) {
                SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(raw, target.host(), target.port(), true);
                SSLParameters params = ssl.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                if (!isIpLiteral(target.host())) params.setServerNames(List.of(new SNIHostName(target.host())));
                ssl.setSSLParameters(params);
                ssl.setSoTimeout(remainingMillis(deadline));
                ssl.startHandshake();
                socket = ssl;
            }
            byte[] payload = body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder();
            head.append("POST ").append(target.requestTarget()).append(" HTTP/1.1\r\n");
            head.append("Host: ").append(target.hostHeader()).append("\r\n");
            head.append("User-Agent: Gantry-Webhooks/1.0\r\n");
            head.append("Content-Type: application/json\r\n");
            head.append("Content-Length: ").append(payload.length).append("\r\n");
            head.append("Connection: close\r\n");
            for (var h : headers.entrySet()) head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(payload);
            out.flush();
            InputStream in = new java.io.BufferedInputStream(socket.getInputStream(), 4096);
            while (true) {
                String statusLine = readLine(socket, in, deadline);
                Map<String, String> responseHeaders = new TreeMap<>();
                int total = 0;
                for (String line = readLine(socket, in, deadline); !line.isEmpty(); line = readLine(socket, in, deadline)) {
                    total += line.length();
                    if (total > MAX_HEADER_BYTES) throw new IOException("response headers too large");
                    int colon = line.indexOf(':');
                    if (colon > 0) responseHeaders.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
                }
                int code = statusCode(statusLine);
                if (code >= 100 && code < 200) continue; // 100 Continue and friends: the real answer follows
                return new Result(code, Map.copyOf(responseHeaders), null, elapsed(start));
            }
        }
    }

    private static int statusCode(String statusLine) throws IOException {
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) throw new IOException("not an HTTP response");
        try {
            int code = Integer.parseInt(parts[1]);
            if (code < 100 || code > 599) throw new IOException("invalid HTTP status " + parts[1]);
            return code;
        } catch (NumberFormatException e) {
            throw new IOException("invalid HTTP status line");
        }
    }

    /** One header line, with the socket's timeout shrunk to what is left of the deadline before every read. */
    private static String readLine(Socket socket, InputStream in, long deadline) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            socket.setSoTimeout(remainingMillis(deadline));
            int b = in.read();
            if (b < 0) throw new IOException("connection closed before a complete response");
            if (b == '\n') break;
            if (b != '\r') line.write(b);
            if (line.size() > MAX_HEADER_BYTES) throw new IOException("response header line too long");
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) throw new SocketTimeoutException("deadline passed");
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    private static boolean isIpLiteral(String host) {
        return host.contains(":") || host.matches("^[0-9.]+$");
    }

    private static long elapsed(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** A short reason for the delivery log that names no internal detail beyond the kind of failure. */
    static String describe(IOException e) {
        String kind = e.getClass().getSimpleName();
        if (e instanceof javax.net.ssl.SSLException) return "TLS failure: " + e.getMessage();
        if (e instanceof java.net.ConnectException) return "connection refused";
        if (e instanceof java.net.NoRouteToHostException) return "no route to host";
        return kind + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
