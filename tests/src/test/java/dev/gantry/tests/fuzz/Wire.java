package dev.gantry.tests.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, byte for byte: the fuzz suite sends what {@link java.net.http.HttpClient}
 * refuses to (invalid UTF-8 and control bytes in the path and in header values, unusual methods,
 * a Content-Type with any bytes). One connection per request ({@code Connection: close}).
 *
 * <p>Each request may come from its own loopback source address (127.x.y.z): the anonymous
 * credential routes are rate limited per client address, and fuzzing them from one address would
 * test little beyond the limiter. Where the system has no such addresses, the default one is used.
 */
public final class Wire {
    /** A header as sent: name, the exact value bytes, and how a report shows the value (credentials by role, not by value). */
    public record Header(String name, byte[] value, String shown) {
        public static Header of(String name, String value) {
            return new Header(name, value.getBytes(StandardCharsets.UTF_8), null);
        }

        public static Header secret(String name, String value, String shown) {
            return new Header(name, value.getBytes(StandardCharsets.UTF_8), shown);
        }

        String display() { return shown != null ? shown : printable(value, 300); }
    }

    /** A request as it goes on the wire; {@code target} is the request-target (path and query), raw bytes. */
    public record Request(String method, byte[] target, List<Header> headers, byte[] body, String label) {
        /** The path as the server sees it: the request-target's path, as {@link java.net.URI} parses it (null when it does not parse). */
        public String rawPath() {
            try {
                return new java.net.URI(new String(target, StandardCharsets.ISO_8859_1)).getRawPath();
            } catch (java.net.URISyntaxException e) {
                return null;
            }
        }

        public String header(String name) {
            for (Header h : headers) if (h.name().equalsIgnoreCase(name)) return new String(h.value(), StandardCharsets.ISO_8859_1);
            return null;
        }

        /** Enough to send the same request again by hand: method, target, headers and (the start of) the body. */
        public String describe() {
            StringBuilder s = new StringBuilder();
            if (label != null) s.append("[").append(label).append("]\n");
            s.append(method).append(' ').append(printable(target, 600)).append('\n');
            for (Header h : headers) s.append("  ").append(h.name()).append(": ").append(h.display()).append('\n');
            if (body != null && body.length > 0) {
                s.append("  body (").append(body.length).append(" bytes): ").append(printable(body, 400)).append('\n');
            }
            return s.toString();
        }
    }

    /** An answer: status, headers (names lower-cased, repeated ones comma-joined) and body bytes. */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        public String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }

        public String text() { return new String(body, StandardCharsets.UTF_8); }

        public String describe() {
            return "-> " + status + " " + headers + "\n  " + printable(body, 800);
        }
    }

    private final URI base;
    private final int sourceBlock;
    private final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean sourceAddressesWork = true;

    /** {@code sourceBlock}: the third octet of this client's loopback source addresses (127.{block}.x.y), so suites do not share buckets. */
    public Wire(URI base, int sourceBlock) {
        this.base = base;
        this.sourceBlock = sourceBlock;
    }

    /** What {@link #send} answers when the server closed the connection without an answer. */
    public static final int NO_ANSWER = -1;

    /**
     * Sends the request and reads the answer. A server that answers before reading the whole body
     * (the HTTP server refusing a request line it cannot parse) may reset the connection under
     * the rest of it: that is {@link #NO_ANSWER} when no answer could be read at all.
     */
    public Response send(Request request) {
        byte[] head = head(request);
        try (Socket socket = connect()) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(head);
                if (request.body() != null) out.write(request.body());
                out.flush();
            } catch (IOException refused) {
                // the server stopped reading: its answer (if any) is already on its way
            }
            try {
                return read(socket.getInputStream(), request.method().equals("HEAD"));
            } catch (java.net.SocketException reset) {
                return new Response(NO_ANSWER, Map.of(), new byte[0]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("no answer to\n" + request.describe(), e);
        }
    }

    private Socket connect() throws IOException {
        InetSocketAddress server = new InetSocketAddress(base.getHost(), base.getPort());
        if (sourceAddressesWork && server.getAddress().isLoopbackAddress() && server.getAddress().getAddress().length == 4) {
            int n = next.getAndIncrement() % 60_000;
            InetAddress source = InetAddress.getByAddress(new byte[]{127, (byte) sourceBlock, (byte) (1 + n / 250), (byte) (1 + n % 250)});
            Socket s = new Socket();
            try {
                s.bind(new InetSocketAddress(source, 0));
                s.connect(server, 5_000);
                return s;
            } catch (IOException e) {
                s.close();
                sourceAddressesWork = false;
            }
        }
        Socket s = new Socket();
        s.connect(server, 5_000);
        return s;
    }

    private byte[] head(Request request) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(request.method().getBytes(StandardCharsets.ISO_8859_1));
        b.write(' ');
        b.writeBytes(request.target());
        b.writeBytes(" HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
        boolean host = false;
        for (Header h : request.headers()) {
            if (h.name().equalsIgnoreCase("host")) host = true;
            b.writeBytes(h.name().getBytes(StandardCharsets.ISO_8859_1));
            b.writeBytes(": ".getBytes(StandardCharsets.ISO_8859_1));
            b.writeBytes(h.value());
            b.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        if (!host) b.writeBytes(("Host: " + base.getHost() + ":" + base.getPort() + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        int length = request.body() == null ? 0 : request.body().length;
        if (length > 0 || !request.method().equals("GET") && !request.method().equals("HEAD")) {
            b.writeBytes(("Content-Length: " + length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        b.writeBytes("Connection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return b.toByteArray();
    }

    private static Response read(InputStream in, boolean head) throws IOException {
        byte[] all = in.readAllBytes();
        int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (end < 0) throw new IOException("no complete response head in " + all.length + " bytes: " + printable(all, 300));
        String[] lines = new String(all, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        int status = Integer.parseInt(statusLine[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) continue;
            headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim(), (a, b) -> a + "," + b);
        }
        byte[] body = java.util.Arrays.copyOfRange(all, end + 4, all.length);
        if (head) body = new byte[0];
        else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) body = dechunk(body);
        return new Response(status, headers, body);
    }

    private static byte[] dechunk(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < raw.length) {
            int lineEnd = indexOf(raw, "\r\n".getBytes(StandardCharsets.ISO_8859_1), i);
            if (lineEnd < 0) throw new IOException("broken chunked body");
            String size = new String(raw, i, lineEnd - i, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int n = Integer.parseInt(size, 16);
            if (n == 0) break;
            out.write(raw, lineEnd + 2, n);
            i = lineEnd + 2 + n + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        return indexOf(hay, needle, 0);
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    /** Bytes for a report: printable ASCII as is, anything else as \xNN, cut at {@code max} with the total length. */
    public static String printable(byte[] bytes, int max) {
        if (bytes == null) return "";
        StringBuilder s = new StringBuilder();
        HexFormat hex = HexFormat.of();
        int n = Math.min(bytes.length, max);
        for (int i = 0; i < n; i++) {
            int b = bytes[i] & 0xff;
            if (b >= 0x20 && b < 0x7f && b != '\\') s.append((char) b);
            else s.append("\\x").append(hex.toHexDigits((byte) b));
        }
        if (bytes.length > max) s.append("… (").append(bytes.length).append(" bytes in all)");
        return s.toString();
    }

    public static List<Header> headers(Header... hs) {
        return new ArrayList<>(List.of(hs));
    }
}
