package org.smimed.daemon.token;

/**
 * How services run an idempotent token operation (Sign, Decrypt): once, and after a failure
 * that says the token is unusable ({@link TokenException.Kind#UNAVAILABLE}) heal the token and
 * run it once more. The one place that decides about healing is the implementation
 * ({@code health.TokenHealer}); services only say which work may be repeated.
 *
 * <p>Guarantee: an attempt runs at most twice, and only a TokenException of kind UNAVAILABLE
 * leads to a second run; any other failure, and the second run's failure, reach the caller
 * unchanged. Decryption keeps its masking because only its "token gone" codes become
 * UNAVAILABLE (see {@link TokenErrors#isTokenGone}), never a padding failure.
 */
public interface TokenRecovery {

    /** Runs {@code attempt}; after a token failure heals the token and runs it once more. */
    <T> T retryOnce(Attempt<T> attempt) throws Exception;

    /**
     * Work that may be repeated with the same result. It must look its keys up again on each
     * run: handles from before a re-login are invalid.
     */
    @FunctionalInterface
    interface Attempt<T> {
        T run() throws Exception;
    }
}
