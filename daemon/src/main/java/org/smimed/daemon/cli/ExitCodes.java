package org.smimed.daemon.cli;

/** Process exit codes of {@code smimed}, documented in the README. */
public final class ExitCodes {
    /** Normal end. */
    public static final int OK = 0;
    /** A runtime failure after start-up. */
    public static final int FAILURE = 1;
    /** Bad command-line usage. */
    public static final int USAGE = 2;
    /** The configuration file is invalid. */
    public static final int CONFIG = 3;
    /** The token could not be used: not found, PIN rejected or unreadable, library missing. */
    public static final int TOKEN = 4;

    private ExitCodes() {
    }
}
