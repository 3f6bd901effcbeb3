package org.smimed.daemon.token;

/**
 * Watches private-key operations in the token: how long each takes, by mechanism, and how many
 * run at once. Each running operation holds one token session for its whole duration, so the
 * number running is the number of sessions in use by private-key work.
 *
 * <p>Guarantee: {@link #measure} runs the operation exactly once and returns its result or
 * throws its exception unchanged; a meter only observes.
 */
public interface TokenMeter {

    /** Runs {@code operation}, recording its duration and outcome under {@code mechanism}. */
    <T, E extends Exception> T measure(TokenMechanism mechanism, Operation<T, E> operation)
            throws E;

    /** One private-key operation. */
    @FunctionalInterface
    interface Operation<T, E extends Exception> {
        T run() throws E;
    }

    /** A meter that records nothing (tools and tests that have no metrics). */
    static TokenMeter none() {
        return new TokenMeter() {
            @Override
            public <T, E extends Exception> T measure(TokenMechanism mechanism,
                                                      Operation<T, E> operation) throws E {
                return operation.run();
            }
        };
    }
}
