package dev.gantry.functions.identity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gantry.shared.auth.IpAllowlist;
import dev.gantry.shared.auth.Role;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.errors.ApiException;
import dev.gantry.shared.http.JsonBody;
import dev.gantry.shared.http.Page;
import dev.gantry.shared.http.Request;
import dev.gantry.shared.http.Response;
import dev.gantry.shared.identity.ApiKeyService;
import dev.gantry.shared.identity.AuditLog;
import dev.gantry.shared.identity.AuthService;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.identity.GitHubSignInService;
import dev.gantry.shared.identity.Views;
import dev.gantry.shared.identity.MemberService;
import dev.gantry.shared.identity.WorkspaceService;
import dev.gantry.shared.plans.Plan;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The identity routes: each reads its input strictly, calls one service method and says what to
 * answer. No try/catch here; the router maps errors.
 */
public final class IdentityApi {
    private static final Set<String> PLAN_NAMES = Set.copyOf(Plan.names());
    private static final Pattern AUDIT_ACTION = Pattern.compile("^[a-z_]{1,32}\\.[a-z_]{1,32}$");
    private static final Pattern GITHUB_ERROR = Pattern.compile("^[a-z_]{1,64}$");

    private final Wiring wiring;
    private final WorkspaceService workspaces;
    private final MemberService members;
    private final AuditLog audit;
    private final ApiKeyService apiKeys;
    private volatile byte[] openApiJson;
    private static final int MAX_ALLOWLIST = 50;

    public IdentityApi(Wiring wiring) {
        this.wiring = wiring;
        this.workspaces = wiring.workspaceService();
        this.members = wiring.memberService();
        this.audit = wiring.auditLog();
        this.apiKeys = wiring.apiKeyService();
    }

    private AuthService auth() { return wiring.authService(); }

    // --- system and plans --------------------------------------------------------------------

    Response health(Request request) {
        return Response.ok(Map.of("status", "ok"));
    }

    Response openApi(Request request) {
        byte[] doc = openApiJson;
        if (doc == null) {
            try (InputStream in = IdentityApi.class.getResourceAsStream("/openapi.yaml")) {
                if (in == null) throw new IllegalStateException("openapi.yaml is missing from the jar");
                Object tree = new ObjectMapper(new YAMLFactory()).readValue(in, Object.class);
                doc = new ObjectMapper().writeValueAsBytes(tree);
                openApiJson = doc;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Response.ok(new Response.RawJson(doc));
    }

    Response listPlans(Request request) {
        return Response.ok(new Page<>(Arrays.stream(Plan.values()).map(Plan::view).toList(), null));
    }

    Response getPlan(Request request) {
        return Response.ok(Plan.find(request.pathParam("name")).orElseThrow(() -> ApiException.notFound("plan")).view());
    }

    // --- auth ----------------------------------------------------------------------------------

    Response signup(Request request) {
        JsonBody in = request.json();
        String email = in.requiredEmail("email");
        String password = in.requiredString("password", 12, 1024);
        String name = in.requiredString("name", 1, 100);
        String workspaceName = in.optionalString("workspace_name", 1, 100);
        in.done();
        return Response.created(auth().signup(email, password, name, workspaceName, Caller.of(request)));
    }

    Response login(Request request) {
        JsonBody in = request.json();
        String email = in.requiredString("email", 1, 320);
        String password = in.requiredString("password", 1, 1024);
        String workspaceId = in.optionalString("workspace_id", 1, 64);
        in.done();
        return Response.ok(auth().login(email, password, workspaceId, Caller.of(request)));
    }

    Response refresh(Request request) {
        JsonBody in = request.json();
        String token = in.requiredString("refresh_token", 1, 512);
        in.done();
        return Response.ok(auth().refresh(token, Caller.of(request)));
    }

    /** 302 to GitHub's authorize page, with the cookie that binds the sign-in to this browser. */
    Response githubStart(Request request) {
        var github = wiring.gitHubSignIn();
        github.requireConfigured();
        String derived = GitHubSignInService.callbackUrl(request.host(), request.header("x-forwarded-proto"), wiring.config().publicUrl());
        GitHubSignInService.Start start = github.start(derived);
        return new Response(302, null, Map.of("Location", start.location(), "Set-Cookie", start.setCookie()));
    }

    /** Where GitHub sends the browser back: {@code ?code&state} (or {@code ?error} when the user declined). */
    Response githubCallback(Request request) {
        var github = wiring.gitHubSignIn();
        github.requireConfigured();
        String error = request.query("error");
        if (error != null) {
            String shown = GITHUB_ERROR.matcher(error).matches() ? error : "an error";
            throw ApiException.validation("code", "GitHub answered " + shown + " instead of a code: the sign-in was not authorized");
        }
        String code = request.query("code");
        String state = request.query("state");
        List<ApiException.FieldProblem> problems = new ArrayList<>();
        if (code == null || code.isEmpty()) problems.add(new ApiException.FieldProblem("code", "is required"));
        else if (code.length() > 512) problems.add(new ApiException.FieldProblem("code", "must be at most 512 characters"));
        if (state == null || state.isEmpty()) problems.add(new ApiException.FieldProblem("state", "is required"));
        else if (state.length() > 1024) problems.add(new ApiException.FieldProblem("state", "must be at most 1024 characters"));
        if (!problems.isEmpty()) throw ApiException.validation(problems);
        Views.TokenPair tokens = github.callback(code, state, request.cookie(GitHubSignInService.COOKIE), Caller.of(request));
        return new Response(200, tokens, Map.of("Set-Cookie", GitHubSignInService.clearCookie()));
    }

    Response logout(Request request) {
        request.json().done();
        return Response.ok(auth().logout(request.principal(), Caller.of(request)));
    }

    Response switchWorkspace(Request request) {
        JsonBody in = request.json();
        String workspaceId = in.requiredString("workspace_id", 1, 64);
        in.done();
        return Response.ok(auth().switchWorkspace(request.principal(), workspaceId, Caller.of(request)));
    }

    Response listWorkspaces(Request request) {
        return Response.ok(auth().workspacesOf(request.principal(), Page.limit(request), request.query("cursor")));
    }

    Response me(Request request) {
        return Response.ok(workspaces.me(request.principal()));
    }

    // --- workspace, members, audit ------------------------------------------------------------

    Response getWorkspace(Request request) {
        var ws = workspaces.get(request.principal());
        return Response.ok(ws.view(), ws.version());
    }

    Response renameWorkspace(Request request) {
        JsonBody in = request.json();
        String name = in.requiredString("name", 1, 100);
        in.done();
        return Response.ok(workspaces.rename(request.principal(), name, request.expectedVersion(), Caller.of(request)));
    }

    Response listMembers(Request request) {
        return Response.ok(members.list(request.principal(), Page.limit(request), request.query("cursor")));
    }

    Response addMember(Request request) {
        JsonBody in = request.json();
        String email = in.requiredEmail("email");
        String role = in.requiredEnum("role", Role.NAMES);
        in.done();
        return Response.created(members.add(request.principal(), email, Role.fromWire(role), Caller.of(request)));
    }

    Response getMember(Request request) {
        var member = members.getVersioned(request.principal(), request.pathParam("user_id"));
        return Response.ok(member.view(), member.version());
    }

    Response changeMemberRole(Request request) {
        JsonBody in = request.json();
        String role = in.requiredEnum("role", Role.NAMES);
        in.done();
        return Response.ok(members.changeRole(request.principal(), request.pathParam("user_id"), Role.fromWire(role),
                request.expectedVersion(), Caller.of(request)));
    }

    Response removeMember(Request request) {
        members.remove(request.principal(), request.pathParam("user_id"), request.expectedVersion(), Caller.of(request));
        return Response.noContent();
    }

    Response auditLog(Request request) {
        String action = request.query("action");
        if (action != null && !AUDIT_ACTION.matcher(action).matches()) {
            throw ApiException.validation("action", "must look like resource.verb, e.g. member.added");
        }
        return Response.ok(audit.list(request.principal().workspaceId(), action, Page.limit(request), request.query("cursor")));
    }

    // --- API keys ------------------------------------------------------------------------------

    Response createApiKey(Request request) {
        JsonBody in = request.json();
        String name = in.requiredString("name", 1, 100);
        String role = in.optionalEnum("role", Role.NAMES);
        Instant expiresAt = in.optionalInstant("expires_at");
        IpAllowlist allowlist = allowlist(in, in.optionalStringList("ip_allowlist", MAX_ALLOWLIST, 64));
        in.done();
        return Response.created(apiKeys.create(request.principal(), name, role == null ? null : Role.fromWire(role), expiresAt,
                allowlist == null ? IpAllowlist.empty() : allowlist, Caller.of(request)));
    }

    Response listApiKeys(Request request) {
        return Response.ok(apiKeys.list(request.principal(), Page.limit(request), request.query("cursor")));
    }

    Response getApiKey(Request request) {
        var key = apiKeys.getVersioned(request.principal(), request.pathParam("id"));
        return Response.ok(key.view(), key.version());
    }

    Response updateApiKey(Request request) {
        JsonBody in = request.json();
        String name = in.optionalString("name", 1, 100);
        List<String> entries = in.optionalStringList("ip_allowlist", MAX_ALLOWLIST, 64);
        IpAllowlist allowlist = allowlist(in, entries);
        if (name == null && entries == null) in.reject("(body)", "must set name or ip_allowlist");
        in.done();
        return Response.ok(apiKeys.update(request.principal(), request.pathParam("id"), name, allowlist, request.expectedVersion(),
                Caller.of(request)));
    }

    Response revokeApiKey(Request request) {
        apiKeys.revoke(request.principal(), request.pathParam("id"), request.expectedVersion(), Caller.of(request));
        return Response.noContent();
    }

    private static IpAllowlist allowlist(JsonBody in, List<String> entries) {
        if (entries == null) return null;
        for (int i = 0; i < entries.size(); i++) {
            try {
                IpAllowlist.parse(List.of(entries.get(i)));
            } catch (IllegalArgumentException e) {
                in.reject("ip_allowlist[" + i + "]", e.getMessage());
            }
        }
        try {
            return IpAllowlist.parse(entries);
        } catch (IllegalArgumentException alreadyReported) {
            return null;
        }
    }

    // --- subscription --------------------------------------------------------------------------

    Response subscription(Request request) {
        return Response.ok(workspaces.subscription(request.principal()));
    }

    Response changePlan(Request request) {
        JsonBody in = request.json();
        String plan = in.requiredEnum("plan", PLAN_NAMES);
        in.done();
        return Response.ok(workspaces.changePlan(request.principal(), Plan.find(plan).orElseThrow(), Caller.of(request)));
    }

    Response cancelSubscription(Request request) {
        request.json().done();
        return Response.ok(workspaces.cancel(request.principal(), Caller.of(request)));
    }
}
