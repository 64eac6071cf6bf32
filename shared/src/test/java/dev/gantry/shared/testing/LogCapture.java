package dev.gantry.shared.testing;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/** Captures what Gantry's code logs (the {@code dev.gantry} logger) while open. */
public final class LogCapture implements AutoCloseable {
    private final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private final String name = "capture-" + UUID.randomUUID();

    private LogCapture() {}

    public static LogCapture start() {
        LogCapture capture = new LogCapture();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        AbstractAppender appender = new AbstractAppender(capture.name, null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                capture.events.add(event.toImmutable());
            }
        };
        appender.start();
        ctx.getConfiguration().getLoggerConfig("dev.gantry").addAppender(appender, null, null);
        ctx.updateLoggers();
        return capture;
    }

    public List<LogEvent> events() { return events; }

    @Override
    public void close() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.getConfiguration().getLoggerConfig("dev.gantry").removeAppender(name);
        ctx.updateLoggers();
    }
}
