package org.smimed.daemon.keys;

/**
 * One thing start-up changed on the token to finish or undo an interrupted officer operation
 * ({@link StartupRepair}): the key version it concerns and what was done, for the daemon log
 * and the version's STARTUP_REPAIR audit record.
 *
 * @param version the key version's name, {@code identity/vN}
 * @param what    what was found and done, for a person
 */
public record Repair(String version, String what) {
    /** The identity part of {@link #version}, or "" for a name without one. */
    public String identity() {
        int v = version.lastIndexOf("/v");
        return v < 0 ? "" : version.substring(0, v);
    }

    /** The log line's text, {@code version: what}, whose SHA-256 the audit record holds. */
    @Override
    public String toString() {
        return version + ": " + what;
    }
}
