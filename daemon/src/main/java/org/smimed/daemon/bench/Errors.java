package org.smimed.daemon.bench;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What failed in one run: how many calls by reason (a gRPC status code, or an exception type
 * for the raw token), and the first message seen for each reason.
 */
record Errors(Map<String, Long> byReason, Map<String, String> firstMessages) {
    Errors {
        byReason = Collections.unmodifiableMap(new TreeMap<>(byReason));
        firstMessages = Map.copyOf(firstMessages);
    }

    long total() {
        return byReason.values().stream().mapToLong(Long::longValue).sum();
    }

    /** For CSV: {@code REASON=count} pairs joined by ';' (no commas), empty if none. */
    String csv() {
        return byReason.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(";"));
    }

    /** For people: the total, then each reason with its count and first message. */
    String text() {
        if (byReason.isEmpty()) {
            return "0";
        }
        return total() + byReason.entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%s %d%s", e.getKey(), e.getValue(),
                        firstMessages.getOrDefault(e.getKey(), "").isEmpty() ? ""
                                : ": " + firstMessages.get(e.getKey())))
                .collect(Collectors.joining("; ", " (", ")"));
    }
}
