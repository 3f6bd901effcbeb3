package org.smimed.daemon.cli;

/** Process exit codes of {@code smimed}, documented in the README. */
public final class ExitCodes {
    /** Normal end. */
    public static final int OK = 0;
    /** A runtime failure after start-up. */
    public static final int FAILURE = 1;
    /** Bad command-line usage. */
    public static final int USAGE = 2;
    /** The configuration file or the policy file is invalid. */
    public static final int CONFIG = 3;
    /**
     * The token could not be used: the library does not load, no token has the label, the PIN
     * is rejected or unreadable. A library file that is not there at all is a configuration
     * problem ({@link #CONFIG}), found before any token is tried.
     */
    public static final int TOKEN = 4;
    /** The audit log cannot be opened, ends with a damaged record or has no room left. */
    public static final int AUDIT = 5;
    /**
     * The token became unusable while serving and could not be healed in-process (re-login and
     * re-reading keys kept failing); a supervisor should restart the daemon.
     */
    public static final int TOKEN_LOST = 6;
    /**
     * A listen address cannot be bound (the port is in use, or not permitted): nothing was
     * served. Often passing (the previous instance still draining), so the shipped systemd
     * unit retries it; one that keeps recurring needs a person.
     */
    public static final int LISTEN = 7;

    private ExitCodes() {
    }
}
