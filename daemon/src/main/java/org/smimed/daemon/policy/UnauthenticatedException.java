package org.smimed.daemon.policy;

/**
 * The caller presented no client certificate, or one that is not valid now or not issued by a
 * configured client CA. The message is safe to show to the caller.
 */
public final class UnauthenticatedException extends Exception {
    private final String presentedSubject;

    public UnauthenticatedException(String message, String presentedSubject) {
        super(message);
        this.presentedSubject = presentedSubject;
    }

    /** The subject of the rejected certificate, "" if none was presented (for the audit log). */
    public String presentedSubject() {
        return presentedSubject;
    }
}
