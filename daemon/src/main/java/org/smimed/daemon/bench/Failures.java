package org.smimed.daemon.bench;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The failed calls of one run as they happen, counted by why they failed: the gRPC status code
 * of a daemon call, else the type of the exception (the raw token's). A count alone told a user
 * nothing: 47 errors at half the peak could be a refused 33rd call in flight or a dead daemon.
 * Thread-safe: every caller thread of a run records into one.
 */
final class Failures {
    private static final int MESSAGE_CHARS = 120;

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, String> firstMessages = new ConcurrentHashMap<>();

    void record(Throwable failure) {
        Throwable cause = unwrap(failure);
        String reason = reason(cause);
        counts.computeIfAbsent(reason, r -> new LongAdder()).increment();
        firstMessages.putIfAbsent(reason, message(cause));
    }

    /** What has been recorded so far. */
    Errors snapshot() {
        Map<String, Long> byReason = new TreeMap<>();
        counts.forEach((reason, n) -> byReason.put(reason, n.sum()));
        return new Errors(byReason, Map.copyOf(firstMessages));
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String reason(Throwable cause) {
        if (cause instanceof StatusRuntimeException || cause instanceof StatusException) {
            return Status.fromThrowable(cause).getCode().name();
        }
        return cause.getClass().getSimpleName();
    }

    private static String message(Throwable cause) {
        String text = cause instanceof StatusRuntimeException || cause instanceof StatusException
                ? Status.fromThrowable(cause).getDescription() : cause.getMessage();
        if (text == null) {
            return "";
        }
        String line = text.replaceAll("\\s+", " ").strip();
        return line.length() <= MESSAGE_CHARS ? line : line.substring(0, MESSAGE_CHARS) + "...";
    }
}
