package org.smimed.daemon.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Reads the {@code policy} and {@code audit} sections: where the authorization policy and the
 * audit log live. Both are required, so that no deployment runs without an authorization
 * decision or without a record of it. Problems are added to the shared list, not thrown.
 */
final class AccessReader {
    static final int MIN_ROTATE_BYTES = 64 * 1024;
    private final Path base;
    private final List<String> problems;
    private final Fields fields;

    AccessReader(Path base, List<String> problems) {
        this.base = base;
        this.problems = problems;
        this.fields = new Fields(base, problems);
    }

    DaemonConfig.Access read(JsonNode policy, JsonNode audit, boolean anonymousCallers) {
        fields.allowOnly(policy, "policy.", Set.of("file"));
        fields.allowOnly(audit, "audit.", Set.of("file", "rotateBytes", "anchorMinutes"));
        Path policyFile = file(policy, "policy.file");
        if (policyFile != null && !Files.isRegularFile(policyFile)) {
            problems.add("policy.file: no readable file at " + policyFile);
        }
        Path auditFile = file(audit, "audit.file");
        if (auditFile != null) {
            Path parent = auditFile.getParent();
            if (Files.isDirectory(auditFile) || parent == null || !Files.isDirectory(parent)) {
                problems.add("audit.file: " + auditFile
                        + " must be a file in an existing directory");
            }
        }
        // At least 64 KiB, so that a file holds more than a handful of records; absent, the
        // log grows until an operator moves it aside (docs/audit.md, Rotation).
        int rotateBytes = fields.integer(audit, "audit.rotateBytes", "rotateBytes", 0,
                MIN_ROTATE_BYTES, Integer.MAX_VALUE);
        int anchorMinutes = fields.integer(audit, "audit.anchorMinutes", "anchorMinutes",
                DaemonConfig.Access.DEFAULT_ANCHOR_MINUTES, 0, 24 * 60);
        return new DaemonConfig.Access(policyFile, auditFile, rotateBytes, anchorMinutes,
                anonymousCallers);
    }

    private Path file(JsonNode section, String path) {
        JsonNode value = section.path("file");
        if (value.isMissingNode() || value.isNull()) {
            problems.add(path + ": required");
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            problems.add(path + ": expected a non-empty string");
            return null;
        }
        return base.resolve(value.asText()).normalize();
    }
}
