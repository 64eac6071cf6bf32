package dev.gantry.functions.identity;

import dev.gantry.shared.testing.LogCapture;
import dev.gantry.shared.testing.TestStack;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Every log line of a request carries its request id (as X-Request-Id says), and no secret the request held. */
class RequestLoggingIT {
    private LogCapture capture;
    private List<LogEvent> events;

    @BeforeEach
    void capture() {
        capture = LogCapture.start();
        events = capture.events();
    }

    @AfterEach
    void release() {
        capture.close();
    }

    @Test
    void logLinesCarryTheRequestIdAndNoSecrets() {
        IdentityClient api = new IdentityClient(new IdentityHandler(TestStack.newWiring()));
        String password = "a very secret password 9f3k";
        var signup = api.call("POST", "/v1/auth/signup",
                "{\"email\":\"logs@example.com\",\"password\":\"" + password + "\",\"name\":\"Logs\"}", (String) null).expect(201);
        String requestId = signup.header("X-Request-Id");
        var me = api.call("GET", "/v1/me", null, signup.text("/token")).expect(200);

        assertThat(events).isNotEmpty();
        assertThat(events).anySatisfy(e -> assertThat(e.getContextData().<String>getValue("request_id")).isEqualTo(requestId));
        assertThat(events).anySatisfy(e -> {
            assertThat(e.getContextData().<String>getValue("request_id")).isEqualTo(me.header("X-Request-Id"));
            assertThat(e.getContextData().<String>getValue("workspace_id")).isEqualTo(signup.text("/workspace/id"));
        });
        for (LogEvent e : events) {
            assertThat(e.getContextData().<String>getValue("request_id")).as(e.getMessage().getFormattedMessage()).startsWith("req_");
            String line = e.getMessage().getFormattedMessage() + e.getContextData();
            assertThat(line).doesNotContain(password).doesNotContain(signup.text("/token")).doesNotContain(signup.text("/refresh_token"));
        }
    }
}
