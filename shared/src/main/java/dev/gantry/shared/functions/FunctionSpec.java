package dev.gantry.shared.functions;

import dev.gantry.shared.http.RouteTable;

/**
 * What the CDK stack and the local server need to know about an API function: its name, its
 * handler class and its routes. Each function module declares one.
 */
public record FunctionSpec(String name, String handlerClass, RouteTable<?> routes, int memoryMb) {}
