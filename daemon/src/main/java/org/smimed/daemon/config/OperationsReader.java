package org.smimed.daemon.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the {@code operations} section: the health-only and metrics listeners (each on a port
 * of its own), reflection, probing, draining, expiry warnings and the call-handler pool.
 */
final class OperationsReader {
    private final Fields fields;
    private final List<String> problems;

    OperationsReader(Fields fields, List<String> problems) {
        this.fields = fields;
        this.problems = problems;
    }

    DaemonConfig.Operations read(JsonNode node, DaemonConfig.Listen client) {
        var defaults = DaemonConfig.Operations.defaults();
        fields.allowOnly(node, "operations.", Set.of("healthListen", "probeIntervalSeconds",
                "metricsListen", "reflection", "drainSeconds", "expiryWarnDays",
                "workerThreads", "tlsCheckSeconds"));
        Optional<DaemonConfig.Listen> health = optionalListen(node, "healthListen", client);
        Optional<DaemonConfig.Listen> metrics = optionalListen(node, "metricsListen", client);
        return new DaemonConfig.Operations(health,
                java.time.Duration.ofSeconds(fields.integer(node, "operations.probeIntervalSeconds",
                        "probeIntervalSeconds", 5, 1, 3600)),
                metrics, fields.bool(node, "operations.reflection", "reflection",
                        defaults.reflection()),
                java.time.Duration.ofSeconds(fields.integer(node, "operations.drainSeconds",
                        "drainSeconds", 20, 0, 3600)),
                fields.integer(node, "operations.expiryWarnDays", "expiryWarnDays",
                        defaults.expiryWarnDays(), 0, 3650),
                fields.integer(node, "operations.workerThreads", "workerThreads",
                        defaults.workerThreads(), 1, 1024),
                java.time.Duration.ofSeconds(fields.integer(node, "operations.tlsCheckSeconds",
                        "tlsCheckSeconds", (int) defaults.tlsCheck().toSeconds(), 1, 86400)));
    }

    private Optional<DaemonConfig.Listen> optionalListen(JsonNode parent, String field,
                                                         DaemonConfig.Listen client) {
        JsonNode node = parent.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return Optional.empty();
        }
        String path = "operations." + field;
        if (!node.isObject()) {
            problems.add(path + ": expected a mapping with address and port, got " + node);
            return Optional.empty();
        }
        if (!node.hasNonNull("port")) {
            // No default: a metrics or health port nobody chose is one nobody scrapes.
            problems.add(path + ".port: required (0 picks a free port)");
        }
        fields.allowOnly(node, path + ".", Set.of("address", "port"));
        var listen = new DaemonConfig.Listen(fields.address(node, path + ".address", "address",
                "127.0.0.1"), fields.integer(node, path + ".port", "port", 0, 0, 65535));
        if (listen.port() != 0 && listen.port() == client.port()) {
            problems.add(path + ".port: must differ from listen.port");
        }
        return Optional.of(listen);
    }
}
