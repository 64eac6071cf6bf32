package dev.gantry.shared.envvars;

import dev.gantry.shared.auth.Principal;
import dev.gantry.shared.auth.Role;
import dev.gantry.shared.config.Wiring;
import dev.gantry.shared.identity.AuditLog;
import dev.gantry.shared.identity.Caller;
import dev.gantry.shared.ids.Ids;
import dev.gantry.shared.store.Attr;
import dev.gantry.shared.store.Keys;
import dev.gantry.shared.testing.DynamoCallCounter;
import dev.gantry.shared.testing.TestStack;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A fresh table with the env-var services, a call counter and a switch that makes the next transaction fail like a crash. */
final class EnvFixture {
    final Wiring w;
    final DynamoCallCounter calls = new DynamoCallCounter();
    final CrashSwitch crash = new CrashSwitch();
    final String ws = Ids.newId("ws");
    final Caller caller = new Caller(Principal.user(Ids.newId("usr"), ws, Role.ADMIN, Ids.newId("ses")), "203.0.113.7", "req_test");
    final EnvVarService envVars;
    final SecretService secrets;
    final BindingService bindings;
    final EnvResolver resolver;

    EnvFixture() {
        String table = "gantry-test-" + UUID.randomUUID();
        TestStack.createTable(table);
        w = new Wiring(TestStack.config(table), Clock.systemUTC(), TestStack.secrets(), List.of(calls, crash));
        envVars = new EnvVarService(w.table(), w::envelope, w.auditLog(), w.clock());
        secrets = new SecretService(w.table(), w::envelope, w.auditLog(), w.cursors(), w.clock());
        bindings = new BindingService(w.table(), w.auditLog(), w.clock());
        resolver = new EnvResolver(w.table(), w::envelope, w.auditLog());
    }

    /** Fails the next TransactWriteItems before it is sent, as a crash or a timeout would (outcome unknown to the caller). */
    static final class CrashSwitch implements ExecutionInterceptor {
        volatile boolean armed;
        /** Runs (once) just before the next TransactWriteItems is sent: a competing write that commits first. */
        volatile Runnable interloper;

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            Runnable r = interloper;
            if (r != null && "TransactWriteItems".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
                interloper = null;
                r.run();
            }
            if (armed && "TransactWriteItems".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
                armed = false;
                throw new IllegalStateException("simulated crash before the swap");
            }
        }
    }

    /** An environment item as the environments code writes it. */
    String environment(String workspaceId, String name, String scope) {
        String id = Ids.newId("env");
        Map<String, AttributeValue> item = new HashMap<>(Keys.environment(id));
        item.put("type", Attr.s("environment"));
        item.put("id", Attr.s(id));
        item.put("workspace_id", Attr.s(workspaceId));
        item.put("repo_id", Attr.s(Ids.newId("repo")));
        item.put("name", Attr.s(name));
        item.put("secret_scope", Attr.s(scope));
        item.put("ver", Attr.n(1));
        w.dynamo().putItem(b -> b.tableName(w.table().name()).item(item));
        return id;
    }

    String environment() {
        return environment(ws, "production", "production");
    }

    void markDeleting(String envId) {
        w.dynamo().updateItem(b -> b.tableName(w.table().name()).key(Keys.environment(envId)).updateExpression("SET deleting = :t")
                .expressionAttributeValues(Map.of(":t", Attr.bool(true))));
    }

    Map<String, AttributeValue> envItem(String envId) {
        return w.table().get(Keys.environment(envId), true);
    }

    /** Every env-var item of an environment, in any set (a Scan: tests only). */
    List<Map<String, AttributeValue>> allVarItems(String envId) {
        List<Map<String, AttributeValue>> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            var r = w.dynamo().scan(b -> b.tableName(w.table().name()).filterExpression("begins_with(pk, :p)")
                    .expressionAttributeValues(Map.of(":p", Attr.s("ENVVARS#" + envId + "#"))).consistentRead(true).exclusiveStartKey(from));
            out.addAll(r.items());
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    List<AuditLog.View> audit(String action) {
        return w.auditLog().list(ws, action, 100, null).data();
    }
}
