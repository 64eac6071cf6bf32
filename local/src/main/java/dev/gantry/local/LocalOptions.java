package dev.gantry.local;

import dev.gantry.shared.secrets.SecretSpec;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The local server's settings. Every setting has a default that works on a laptop and is named by
 * its environment variable; most also have a flag (a flag wins over the environment). Master
 * secrets are environment-only: a command line is visible to every user of the machine.
 *
 * <p>Immutable: {@code LocalOptions.defaults().withPort(0).withDataDir(dir).withBcryptCost(4)}.
 */
public final class LocalOptions {

    /** One setting: its environment variable, its flag (null: environment only), default and help. */
    public record Setting(String envVar, String flag, String valueName, String defaultValue, Kind kind, Group group,
                          boolean passedToFunctions, String help) {}

    public enum Kind { PORT, INT, PATH, TEXT, BOOLEAN, URL, SECRET }

    public enum Group {
        SERVER("Server"),
        FUNCTIONS("Functions (handed to every function's configuration, as the CDK stack sets them in AWS)"),
        SECRETS("Master secrets (environment only, never flags: a command line is visible to every user of the machine)"),
        GITHUB_SIGN_IN("GitHub sign-in (handed to the functions' configuration; with no client id, GET /v1/auth/github/*\n"
                + "answers 503 unavailable)"),
        DRIVERS("Webhooks and cloud drivers (accepted and handed to the functions' configuration; GitHub sign-in reads\n"
                + "GANTRY_GITHUB_API_URL; repo scans, compute targets and instances read the rest)");

        final String title;

        Group(String title) { this.title = title; }
    }

    public static final String PORT = "PORT";
    public static final String HOST = "GANTRY_HOST";
    public static final String DATA_DIR = "GANTRY_DATA_DIR";
    public static final String DYNAMODB_PORT = "GANTRY_DYNAMODB_PORT";
    public static final String SQS_PORT = "GANTRY_SQS_PORT";
    public static final String SECRETS_PORT = "GANTRY_SECRETS_PORT";
    public static final String TABLE = "GANTRY_TABLE";
    public static final String REGION = "AWS_REGION";
    public static final String BCRYPT_COST = "GANTRY_BCRYPT_COST";

    /** Every setting, in the order {@code --help} lists them. */
    public static final List<Setting> SETTINGS = settings();

    private static final Map<String, Setting> BY_ENV = index(false);
    private static final Map<String, Setting> BY_FLAG = index(true);

    private final Map<String, String> values;

    private LocalOptions(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Every setting at its default; the process environment is not read. What tests start from. */
    public static LocalOptions defaults() {
        return new LocalOptions(Map.of());
    }

    /** Defaults, overridden by the process environment. */
    public static LocalOptions fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** Defaults overridden by those variables of {@code env} that name a setting (others are ignored). */
    public static LocalOptions fromEnvironment(Map<String, String> env) {
        Map<String, String> v = new LinkedHashMap<>();
        for (Setting s : SETTINGS) {
            String value = env.get(s.envVar());
            if (value != null && !value.isEmpty()) v.put(s.envVar(), value);
        }
        LocalOptions options = new LocalOptions(v);
        options.validate();
        return options;
    }

    /**
     * The environment, then the command line. {@code --help} is not an option: the caller checks
     * {@link #wantsHelp}. Throws {@link UsageException} for an unknown flag or a bad value.
     */
    public static LocalOptions parse(String[] args, Map<String, String> env) {
        Map<String, String> v = new LinkedHashMap<>(fromEnvironment(env).values);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) throw new UsageException("unexpected argument '" + arg + "'");
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            Setting s = BY_FLAG.get(name);
            if (s == null) throw new UsageException("unknown option '" + name + "'");
            if (value == null) {
                if (s.kind() == Kind.BOOLEAN && (i + 1 >= args.length || args[i + 1].startsWith("--"))) {
                    value = "true";
                } else {
                    if (i + 1 >= args.length) throw new UsageException(name + " needs a value (" + s.valueName() + ")");
                    value = args[++i];
                }
            }
            v.put(s.envVar(), value);
        }
        LocalOptions options = new LocalOptions(v);
        options.validate();
        return options;
    }

    public static boolean wantsHelp(String[] args) {
        for (String a : args) if (a.equals("--help") || a.equals("-h")) return true;
        return false;
    }

    // ---- withers -------------------------------------------------------------------------------

    /** Sets any setting by its environment variable name; null restores the default. */
    public LocalOptions with(String envVar, String value) {
        if (!BY_ENV.containsKey(envVar)) throw new IllegalArgumentException("no setting " + envVar);
        Map<String, String> v = new LinkedHashMap<>(values);
        if (value == null) v.remove(envVar); else v.put(envVar, value);
        LocalOptions options = new LocalOptions(v);
        options.validate();
        return options;
    }

    public LocalOptions withPort(int port) { return with(PORT, String.valueOf(port)); }

    public LocalOptions withDataDir(Path dir) { return with(DATA_DIR, dir == null ? null : dir.toString()); }

    public LocalOptions withBcryptCost(int cost) { return with(BCRYPT_COST, String.valueOf(cost)); }

    // ---- readers -------------------------------------------------------------------------------

    /** The value in effect: set, or the default (null when a setting has none). */
    public String get(String envVar) {
        Setting s = BY_ENV.get(envVar);
        if (s == null) throw new IllegalArgumentException("no setting " + envVar);
        String v = values.get(envVar);
        return v != null ? v : s.defaultValue();
    }

    /** True when the value was given (by flag, environment or wither) rather than defaulted. */
    public boolean isSet(String envVar) {
        return values.containsKey(envVar);
    }

    public int port() { return Integer.parseInt(get(PORT)); }

    public String host() { return get(HOST); }

    /** Null: everything in memory. */
    public Path dataDir() {
        String d = get(DATA_DIR);
        return d == null || d.isBlank() ? null : Path.of(d);
    }

    public int dynamoPort() { return Integer.parseInt(get(DYNAMODB_PORT)); }

    public int sqsPort() { return Integer.parseInt(get(SQS_PORT)); }

    public int secretsPort() { return Integer.parseInt(get(SECRETS_PORT)); }

    public String tableName() { return get(TABLE); }

    /** The value of the master secret with this id, when given in the environment/options. */
    public String masterSecret(SecretSpec spec) {
        String v = values.get(secretEnvVar(spec));
        return v == null || v.isEmpty() ? null : v;
    }

    /** {@code gantry/jwt-signing-key} is given as {@code GANTRY_JWT_SIGNING_KEY}. */
    public static String secretEnvVar(SecretSpec spec) {
        String id = spec.defaultId();
        String last = id.substring(id.lastIndexOf('/') + 1);
        return "GANTRY_" + last.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The GitHub webhook secret is chosen by the developer in GitHub's UI: no minimum length. */
    public static boolean isGithubWebhookSecret(SecretSpec spec) {
        return spec.defaultId().endsWith("github-webhook-secret");
    }

    /** The GitHub OAuth app's client secret is issued by GitHub (40 hex characters): no minimum length. */
    public static boolean isGithubOAuthClientSecret(SecretSpec spec) {
        return spec.defaultId().endsWith("github-oauth-client-secret");
    }

    /** The settings that go into the functions' configuration map, with their values in effect. */
    public Map<String, String> functionEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (Setting s : SETTINGS) {
            if (!s.passedToFunctions()) continue;
            String v = get(s.envVar());
            if (v != null) env.put(s.envVar(), v);
        }
        return env;
    }

    // ---- validation ----------------------------------------------------------------------------

    private void validate() {
        for (Map.Entry<String, String> e : values.entrySet()) {
            Setting s = BY_ENV.get(e.getKey());
            String v = e.getValue();
            String where = s.flag() != null ? s.flag() + " / " + s.envVar() : s.envVar();
            switch (s.kind()) {
                case PORT -> {
                    int p = parseInt(where, v);
                    if (p < 0 || p > 65535) throw new UsageException(where + " must be a port number 0-65535, not " + v);
                }
                case INT -> {
                    int n = parseInt(where, v);
                    if (e.getKey().equals(BCRYPT_COST) && (n < 4 || n > 31)) throw new UsageException(where + " must be 4-31, not " + v);
                    if (n <= 0) throw new UsageException(where + " must be positive, not " + v);
                }
                case BOOLEAN -> {
                    if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                        throw new UsageException(where + " must be true or false, not " + v);
                    }
                }
                case URL -> {
                    try {
                        URI u = new URI(v);
                        if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                            throw new UsageException(where + " must be an http(s) URL, not " + v);
                        }
                    } catch (java.net.URISyntaxException ex) {
                        throw new UsageException(where + " must be an http(s) URL, not " + v);
                    }
                }
                case TEXT, PATH, SECRET -> {
                    if (v.isBlank()) throw new UsageException(where + " must not be blank");
                }
            }
        }
    }

    private static int parseInt(String where, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(where + " must be a number, not " + v);
        }
    }

    // ---- help ----------------------------------------------------------------------------------

    public static String help() {
        StringBuilder b = new StringBuilder();
        b.append("""
                Usage: java -jar gantry-local.jar [options]

                Runs every Gantry API function on this machine behind an HTTP front that turns requests into
                API Gateway (HTTP API, payload 2.0) events, on embedded DynamoDB Local and ElasticMQ and a
                loopback fake of AWS Secrets Manager. No AWS account is needed.

                Every setting has a default that works on a laptop. Give it as a flag (--name VALUE or
                --name=VALUE) or as the environment variable shown beside it; a flag wins.
                """);
        for (Group g : Group.values()) {
            b.append('\n').append(g.title).append(":\n");
            for (Setting s : SETTINGS) {
                if (s.group() != g) continue;
                String left = s.flag() == null ? s.envVar()
                        : s.flag() + (s.kind() == Kind.BOOLEAN ? "[=" + s.valueName() + "]" : " " + s.valueName()) + "  /  " + s.envVar();
                b.append("  ").append(left).append('\n');
                String help = s.help() + (s.defaultValue() != null ? " Default: " + s.defaultValue() + "." : "");
                for (String line : wrap(help, 92)) b.append("      ").append(line).append('\n');
            }
        }
        b.append("""

                Read from the process environment only:
                  GANTRY_LOG_LEVEL
                      Level of the functions' JSON logs (read by log4j2.properties). Default: INFO.
                  GANTRY_DEBUG
                      Set (to anything) to print the stack trace when the server cannot start. Default: unset.

                Other:
                  -h, --help
                      Print this help and exit.

                The server prints the URL it listens on and the GitHub webhook secret at start, and stops
                cleanly on Ctrl-C.
                """);
        return b.toString();
    }

    private static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) line.append(' ');
            line.append(word);
        }
        if (line.length() > 0) lines.add(line.toString());
        return lines;
    }

    // ---- the table of settings -----------------------------------------------------------------

    private static List<Setting> settings() {
        List<Setting> s = new ArrayList<>();
        s.add(new Setting(PORT, "--port", "N", "8080", Kind.PORT, Group.SERVER, false,
                "Port of the HTTP API. 0 picks a free port (the real one is printed)."));
        s.add(new Setting(HOST, "--host", "ADDRESS", "127.0.0.1", Kind.TEXT, Group.SERVER, false,
                "Interface to listen on. The default answers this machine only; 0.0.0.0 answers every network "
                        + "(for a VM or container; development only)."));
        s.add(new Setting(DATA_DIR, "--data-dir", "DIR", null, Kind.PATH, Group.SERVER, false,
                "Directory that keeps the DynamoDB data (DIR/dynamodb) and the generated master secrets "
                        + "(DIR/secrets.json, owner-only) across restarts. Created owner-only if missing. "
                        + "Unset: everything lives in memory and is gone when the server stops. (SQS messages are "
                        + "always in memory.)"));
        s.add(new Setting(DYNAMODB_PORT, "--dynamodb-port", "N", "0", Kind.PORT, Group.SERVER, false,
                "Port of the embedded DynamoDB Local (loopback only). 0 picks a free port; the endpoint is printed."));
        s.add(new Setting(SQS_PORT, "--sqs-port", "N", "0", Kind.PORT, Group.SERVER, false,
                "Port of the embedded ElasticMQ (SQS, loopback only). 0 picks a free port; the endpoint is printed."));
        s.add(new Setting(SECRETS_PORT, "--secrets-port", "N", "0", Kind.PORT, Group.SERVER, false,
                "Port of the fake Secrets Manager (loopback only). 0 picks a free port; the endpoint is printed."));

        s.add(new Setting(TABLE, "--table", "NAME", "gantry", Kind.TEXT, Group.FUNCTIONS, true,
                "DynamoDB table name; created at start if it does not exist."));
        s.add(new Setting(REGION, "--region", "REGION", "us-east-1", Kind.TEXT, Group.FUNCTIONS, true,
                "Region the SDK clients sign for (the emulators accept any)."));
        s.add(new Setting(BCRYPT_COST, "--bcrypt-cost", "N", "12", Kind.INT, Group.FUNCTIONS, true,
                "bcrypt cost of password hashes, 4-31. Tests use 4 to stay fast."));
        s.add(new Setting("GANTRY_ACCESS_TOKEN_TTL_SECONDS", "--access-token-ttl", "SECONDS", "900", Kind.INT, Group.FUNCTIONS, true,
                "Lifetime of access tokens."));
        s.add(new Setting("GANTRY_REFRESH_TOKEN_TTL_SECONDS", "--refresh-token-ttl", "SECONDS", String.valueOf(30 * 24 * 3600),
                Kind.INT, Group.FUNCTIONS, true, "Lifetime of refresh tokens."));
        s.add(new Setting("GANTRY_PUBLIC_URL", "--public-url", "URL", "https://app.gantry.dev", Kind.URL, Group.FUNCTIONS, true,
                "Base URL of the web app, used in links the API returns (e.g. upgrade_url)."));

        s.add(new Setting("GANTRY_GITHUB_CLIENT_ID", "--github-client-id", "ID", null, Kind.TEXT, Group.GITHUB_SIGN_IN, true,
                "Client id of the GitHub OAuth app (or GitHub App) that GitHub sign-in uses. Its client secret is"
                        + " GANTRY_GITHUB_OAUTH_CLIENT_SECRET (below). Unset: GitHub sign-in is not configured."));
        s.add(new Setting("GANTRY_GITHUB_URL", "--github-url", "URL", "https://github.com", Kind.URL, Group.GITHUB_SIGN_IN, true,
                "GitHub web base URL: the authorize page and the code exchange (/login/oauth/...). Point it at a fake"
                        + " GitHub, or at GitHub Enterprise Server."));
        s.add(new Setting("GANTRY_GITHUB_REDIRECT_URI", "--github-redirect-uri", "URL", null, Kind.URL, Group.GITHUB_SIGN_IN, true,
                "The callback URL registered with the GitHub app. Unset: derived from the request,"
                        + " http://<host:port you opened>/v1/auth/github/callback (e.g. http://localhost:8080/v1/auth/github/callback)."));

        for (SecretSpec spec : SecretSpec.ALL) {
            boolean github = isGithubWebhookSecret(spec);
            boolean oauth = isGithubOAuthClientSecret(spec);
            boolean appKey = spec.defaultId().endsWith("github-app-private-key");
            s.add(new Setting(secretEnvVar(spec), null, "VALUE", null, Kind.SECRET, Group.SECRETS, false,
                    "Secret '" + spec.defaultId() + "': " + spec.purpose() + "."
                            + (github ? " Any non-empty text (GitHub lets you choose it); printed at start, to configure a"
                            + " GitHub App's webhook (or a tunnel) against this server."
                            : oauth ? " The client secret GitHub issued for GANTRY_GITHUB_CLIENT_ID, as it is."
                            : appKey ? " The private key (PEM) GitHub issued for GANTRY_GITHUB_APP_ID; only read when that is set."
                            : " At least 32 bytes: base64 (or plain text).")
                            + " Unset: 32 random bytes (base64) are generated on first start and, with a data dir, kept in"
                            + " DIR/secrets.json so a restart reuses them."));
        }

        s.add(new Setting("GANTRY_WEBHOOKS_ALLOW_LOOPBACK", "--webhooks-allow-loopback", "true|false", "false", Kind.BOOLEAN,
                Group.DRIVERS, true,
                "true lets customer webhook endpoints be plain http on loopback (development only; off in AWS)."));
        s.add(new Setting("GANTRY_GITHUB_API_URL", "--github-api-url", "URL", null, Kind.URL, Group.DRIVERS, true,
                "GitHub API base URL (GitHub sign-in, and the GitHub App when GANTRY_GITHUB_APP_ID is set);"
                        + " https://api.github.com when unset."));
        s.add(new Setting("GANTRY_GITHUB_APP_ID", "--github-app-id", "ID", null, Kind.TEXT, Group.DRIVERS, true,
                "The GitHub App's id: repo scans and installation checks use the real HTTP client against GANTRY_GITHUB_API_URL,"
                        + " with the App's private key from GANTRY_GITHUB_APP_PRIVATE_KEY (PEM). Unset: the simulated GitHub,"
                        + " which serves the fixture repos gantry-demo/* (flask-app, express-api, go-service, rails-shop,"
                        + " spring-petclinic, static-site)."));
        s.add(new Setting("GANTRY_GITHUB_APP_SLUG", "--github-app-slug", "NAME", "gantry", Kind.TEXT, Group.DRIVERS, true,
                "The GitHub App's URL name: GET /v1/github/install redirects to <github-url>/apps/NAME/installations/new."));
        s.add(new Setting("GANTRY_GITHUB_SKIP_INSTALLATION_CHECK", "--skip-installation-check", "true|false", "true", Kind.BOOLEAN,
                Group.DRIVERS, true,
                "true: POST /v1/repos connects a repo without a linked GitHub App installation covering it (API.md section 6"
                        + " lets the local server skip that check; AWS never does). Set false to try the install/setup flow."));
        s.add(new Setting("GANTRY_HETZNER_API_URL", "--hetzner-api-url", "URL", null, Kind.URL, Group.DRIVERS, true,
                "Hetzner Cloud API base URL. Unset (and DigitalOcean's unset too): the simulated providers, whose VMs"
                        + " boot in about 3 s; a URL: the real HTTP clients."));
        s.add(new Setting("GANTRY_DIGITALOCEAN_API_URL", "--digitalocean-api-url", "URL", null, Kind.URL, Group.DRIVERS, true,
                "DigitalOcean API base URL. Unset: the simulated DigitalOcean driver; a URL: the real HTTP client against it."));
        return List.copyOf(s);
    }

    private static Map<String, Setting> index(boolean byFlag) {
        Map<String, Setting> m = new LinkedHashMap<>();
        for (Setting s : SETTINGS) {
            String key = byFlag ? s.flag() : s.envVar();
            if (key != null && m.put(key, s) != null) throw new IllegalStateException("duplicate setting " + key);
        }
        return m;
    }

    @Override
    public String toString() {
        Map<String, String> shown = new LinkedHashMap<>();
        values.forEach((k, v) -> shown.put(k, BY_ENV.get(k).kind() == Kind.SECRET ? "***" : v));
        return "LocalOptions" + shown;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LocalOptions other && values.equals(other.values);
    }

    @Override
    public int hashCode() { return Objects.hash(values); }

    /** A bad command line or setting: the message says which and why. */
    public static final class UsageException extends IllegalArgumentException {
        public UsageException(String message) { super(message); }
    }
}
