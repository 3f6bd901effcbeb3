package org.smimed.daemon.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class JsonLogFormatterTest {
    @Test
    void format_writesOneParseableObjectWithTheRequestId() throws Exception {
        LogRecord record = new LogRecord(Level.WARNING, "token \"t\" is {0}\nnext line");
        record.setParameters(new Object[] {"LOGGED_OUT"});
        record.setLoggerName("org.smimed.daemon.health.HealthMonitor");
        record.setThrown(new IllegalStateException("boom"));

        String line = new JsonLogFormatter(() -> Optional.of("req-42")).format(record);

        assertThat(line).endsWith("}\n").doesNotContain("\nnext");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.get("level").asText()).isEqualTo("WARNING");
        assertThat(json.get("logger").asText()).endsWith("HealthMonitor");
        assertThat(json.get("requestId").asText()).isEqualTo("req-42");
        assertThat(json.get("message").asText()).isEqualTo("token \"t\" is LOGGED_OUT\nnext line");
        assertThat(json.get("exception").asText()).contains("IllegalStateException: boom");
        assertThat(json.has("time")).isTrue();
    }

    @Test
    void format_outsideACall_hasNoRequestId() throws Exception {
        LogRecord record = new LogRecord(Level.INFO, "started");

        JsonNode json = new ObjectMapper().readTree(
                new JsonLogFormatter(Optional::empty).format(record));

        assertThat(json.has("requestId")).isFalse();
        assertThat(json.get("message").asText()).isEqualTo("started");
    }
}
