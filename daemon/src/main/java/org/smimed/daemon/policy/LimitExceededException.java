package org.smimed.daemon.policy;

/** A per-caller concurrency limit or decrypt budget is used up; retrying later may work. */
public final class LimitExceededException extends Exception {
    public LimitExceededException(String message) {
        super(message);
    }
}
