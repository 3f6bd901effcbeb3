package org.smimed.daemon.grpc;

import io.grpc.Context;
import org.smimed.daemon.policy.Caller;

/** The authenticated caller of the current call, as {@link AuthenticationInterceptor} set it. */
final class Callers {
    static final Context.Key<Caller> CURRENT = Context.key("smimed-caller");

    private Callers() {
    }

    /** The current caller; every served call has one, because authentication runs first. */
    static Caller current() {
        Caller caller = CURRENT.get();
        if (caller == null) {
            throw new IllegalStateException("no authenticated caller in this call");
        }
        return caller;
    }
}
