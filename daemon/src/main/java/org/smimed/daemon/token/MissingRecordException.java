package org.smimed.daemon.token;

/**
 * The daemon's state record (a PKCS#11 data object) that an update expected is not on the
 * token: something outside this daemon removed it. Nothing was written. The message names the
 * record and carries no secret.
 */
public final class MissingRecordException extends Exception {
    private final String label;

    public MissingRecordException(String label) {
        super("state record '" + label + "' is not on the token");
        this.label = label;
    }

    /** The record's label, the key version's name. */
    public String label() {
        return label;
    }
}
