package dev.gantry.functions.githubingest;

import dev.gantry.shared.functions.FunctionSpec;
import dev.gantry.shared.http.RouteTable;

import static dev.gantry.shared.http.Access.PUBLIC;
import static dev.gantry.shared.http.Route.post;

/**
 * The GitHub webhook receiver (API.md §10). Public: GitHub authenticates with the HMAC signature
 * the route checks, not with a Gantry credential. Its own function because it is the one route
 * that takes 25 MiB bodies, needs none of the API's wiring (no cipher, no authenticator, no rate
 * limiter), and must answer within GitHub's 10 seconds however busy the API is.
 */
public final class GitHubIngestRoutes {
    private GitHubIngestRoutes() {}

    public static final RouteTable<GitHubIngestApi> TABLE = RouteTable.of("github-ingest",
            post("/webhooks/github", PUBLIC, GitHubIngestApi::receive));

    public static final FunctionSpec SPEC = new FunctionSpec("github-ingest", GitHubIngestHandler.class.getName(), TABLE, 1024);
}
