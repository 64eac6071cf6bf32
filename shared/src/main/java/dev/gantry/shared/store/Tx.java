package dev.gantry.shared.store;

import dev.gantry.shared.errors.ApiException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One all-or-nothing write across aggregates. Each repository adds its items with the domain
 * error its condition stands for; on commit, a failed condition becomes that error. This is where
 * ConditionalCheckFailed turns into a domain exception.
 */
public final class Tx {
    private final Table table;
    private final List<TransactWriteItem> items = new ArrayList<>();
    private final List<Supplier<? extends RuntimeException>> onConditionFailed = new ArrayList<>();

    public Tx(Table table) {
        this.table = table;
    }

    public String tableName() { return table.name(); }

    public Tx put(Map<String, AttributeValue> item, String condition, Map<String, String> names,
                  Map<String, AttributeValue> values, Supplier<? extends RuntimeException> onFail) {
        Put.Builder put = Put.builder().tableName(table.name()).item(item);
        if (condition != null) put.conditionExpression(condition);
        if (names != null && !names.isEmpty()) put.expressionAttributeNames(names);
        if (values != null && !values.isEmpty()) put.expressionAttributeValues(values);
        return add(TransactWriteItem.builder().put(put.build()).build(), onFail);
    }

    /** A put that must not overwrite anything. */
    public Tx create(Map<String, AttributeValue> item, Supplier<? extends RuntimeException> onExists) {
        return put(item, "attribute_not_exists(" + Keys.PK + ")", null, null, onExists);
    }

    public Tx update(Map<String, AttributeValue> key, String updateExpression, String condition,
                     Map<String, String> names, Map<String, AttributeValue> values, Supplier<? extends RuntimeException> onFail) {
        Update.Builder u = Update.builder().tableName(table.name()).key(key).updateExpression(updateExpression);
        if (condition != null) u.conditionExpression(condition);
        if (names != null && !names.isEmpty()) u.expressionAttributeNames(names);
        if (values != null && !values.isEmpty()) u.expressionAttributeValues(values);
        return add(TransactWriteItem.builder().update(u.build()).build(), onFail);
    }

    public Tx delete(Map<String, AttributeValue> key, String condition, Map<String, String> names, Map<String, AttributeValue> values,
                     Supplier<? extends RuntimeException> onFail) {
        Delete.Builder d = Delete.builder().tableName(table.name()).key(key);
        if (condition != null) d.conditionExpression(condition);
        if (names != null && !names.isEmpty()) d.expressionAttributeNames(names);
        if (values != null && !values.isEmpty()) d.expressionAttributeValues(values);
        return add(TransactWriteItem.builder().delete(d.build()).build(), onFail);
    }

    /** A condition on an item the transaction does not write (e.g. "no binding references this secret"). */
    public Tx check(Map<String, AttributeValue> key, String condition, Map<String, String> names, Map<String, AttributeValue> values,
                    Supplier<? extends RuntimeException> onFail) {
        ConditionCheck.Builder c = ConditionCheck.builder().tableName(table.name()).key(key).conditionExpression(condition);
        if (names != null && !names.isEmpty()) c.expressionAttributeNames(names);
        if (values != null && !values.isEmpty()) c.expressionAttributeValues(values);
        return add(TransactWriteItem.builder().conditionCheck(c.build()).build(), onFail);
    }

    private Tx add(TransactWriteItem item, Supplier<? extends RuntimeException> onFail) {
        if (items.size() == 100) throw new IllegalStateException("a transaction holds at most 100 items");
        items.add(item);
        onConditionFailed.add(onFail);
        return this;
    }

    public void commit() {
        if (items.isEmpty()) return;
        try {
            table.client().transactWriteItems(b -> b.transactItems(items));
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = e.cancellationReasons();
            for (int i = 0; i < reasons.size() && i < onConditionFailed.size(); i++) {
                if ("ConditionalCheckFailed".equals(reasons.get(i).code())) {
                    Supplier<? extends RuntimeException> onFail = onConditionFailed.get(i);
                    throw onFail != null ? onFail.get() : ApiException.conflict("conflict", "The resource changed; try again.");
                }
            }
            boolean conflict = reasons.stream().anyMatch(r -> "TransactionConflict".equals(r.code()));
            if (conflict) throw ApiException.conflict("conflict", "Another request changed this resource at the same time; try again.");
            throw e;
        }
    }

    public static Map<String, AttributeValue> values(Object... pairs) {
        Map<String, AttributeValue> out = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) out.put((String) pairs[i], (AttributeValue) pairs[i + 1]);
        return out;
    }
}
