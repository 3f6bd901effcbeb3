package org.smimed.daemon.policy;

/**
 * The caller presented no client certificate, or one that is not valid now or not issued by a
 * configured client CA. The message is safe to show to the caller.
 */
public final class UnauthenticatedException extends Exception {
    private final String presentedSubject;
    private final boolean fromClientCa;

    public UnauthenticatedException(String message, String presentedSubject) {
        this(message, presentedSubject, false);
    }

    private UnauthenticatedException(String message, String presentedSubject,
                                     boolean fromClientCa) {
        super(message);
        this.presentedSubject = presentedSubject;
        this.fromClientCa = fromClientCa;
    }

    /**
     * A certificate whose chain verified to a client CA, refused all the same (revoked, not
     * for client authentication, its CA expired): someone the CAs once vouched for.
     */
    public static UnauthenticatedException fromClientCa(String message,
                                                        String presentedSubject) {
        return new UnauthenticatedException(message, presentedSubject, true);
    }

    /** Whether the certificate's chain verified to a client CA (see {@link #fromClientCa}). */
    public boolean isFromClientCa() {
        return fromClientCa;
    }

    /** The subject of the rejected certificate, "" if none was presented (for the audit log). */
    public String presentedSubject() {
        return presentedSubject;
    }
}
