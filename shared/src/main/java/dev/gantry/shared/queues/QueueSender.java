package dev.gantry.shared.queues;

/** Sends one message to one of the queues of {@link QueueSpec#ALL}, by name. */
public interface QueueSender {
    void send(String queueName, String body, int delaySeconds);
}
