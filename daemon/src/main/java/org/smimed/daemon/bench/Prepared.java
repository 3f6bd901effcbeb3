package org.smimed.daemon.bench;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * A workload's calls, prepared once: a blocking operation per worker thread and, for unary
 * calls, an asynchronous form for the open loop.
 */
record Prepared(Supplier<Operation> operations, Optional<AsyncOperation> async) {
    static Prepared blocking(Supplier<Operation> operations) {
        return new Prepared(operations, Optional.empty());
    }
}
