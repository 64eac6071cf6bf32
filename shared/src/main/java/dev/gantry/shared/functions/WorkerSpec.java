package dev.gantry.shared.functions;

/**
 * A function that is not behind the API: a queue consumer ({@code queue} names one of
 * {@code QueueSpec.ALL}) or, with {@code scheduleMinutes} > 0 and no queue, one run on a schedule.
 * The CDK stack and the local server both read these declarations.
 */
public record WorkerSpec(String name, String handlerClass, String queue, int batchSize, int scheduleMinutes, int memoryMb, int timeoutSeconds,
                         boolean tableStream) {
    public WorkerSpec(String name, String handlerClass, String queue, int batchSize, int scheduleMinutes, int memoryMb, int timeoutSeconds) {
        this(name, handlerClass, queue, batchSize, scheduleMinutes, memoryMb, timeoutSeconds, false);
    }

    /** A consumer of the table's stream (only the outbox items' inserts reach it: the event source filters them). */
    public static WorkerSpec tableStreamConsumer(String name, String handlerClass, int batchSize, int memoryMb, int timeoutSeconds) {
        return new WorkerSpec(name, handlerClass, null, batchSize, 0, memoryMb, timeoutSeconds, true);
    }

    public static WorkerSpec queueConsumer(String name, String handlerClass, String queue, int batchSize, int memoryMb, int timeoutSeconds) {
        return new WorkerSpec(name, handlerClass, queue, batchSize, 0, memoryMb, timeoutSeconds);
    }

    public static WorkerSpec scheduled(String name, String handlerClass, int everyMinutes, int memoryMb, int timeoutSeconds) {
        return new WorkerSpec(name, handlerClass, null, 0, everyMinutes, memoryMb, timeoutSeconds);
    }
}
