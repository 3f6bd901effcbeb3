package org.smimed.daemon.cms;

/**
 * Carries "the token is down" through Bouncy Castle's recipient API, which only lets
 * CMSException out of the key-recovery hook.
 */
final class TokenUnavailableSignal extends RuntimeException {
    TokenUnavailableSignal(Throwable cause) {
        super("token unavailable during key transport", cause);
    }
}
