package org.smimed.daemon.config;

import java.io.IOException;
import java.util.regex.Pattern;

/**
 * A listener could not bind its address (port in use, or not permitted). The message names
 * the listener, its config key and the address, so an operator with several listeners knows
 * which one to change: {@code cannot bind the metrics listener (operations.metricsListen) to
 * 127.0.0.1:9545: Address already in use}.
 */
public final class ListenerBindException extends IOException {
    private static final Pattern NATIVE_CALL =
            Pattern.compile("^\\w+\\(\\.\\.\\) failed( with error\\(-?\\d+\\))?: ");

    private final Listener listener;

    public ListenerBindException(Listener listener, DaemonConfig.Listen listen,
                                 IOException cause) {
        super("cannot bind the " + listener.description() + " listener ("
                + listener.configKey() + ") to " + hostAndPort(listen) + ": "
                + reason(cause), cause);
        this.listener = listener;
    }

    public Listener listener() {
        return listener;
    }

    private static String hostAndPort(DaemonConfig.Listen listen) {
        String host = listen.address().contains(":") ? "[" + listen.address() + "]"
                : listen.address();
        return host + ":" + listen.port();
    }

    /**
     * The system's words for it, the same for every listener: gRPC wraps the socket's message
     * in its own, and Netty's native transport prefixes the call ("bind(..) failed with
     * error(-98): Address already in use").
     */
    private static String reason(Throwable failure) {
        Throwable innermost = failure;
        while (innermost.getCause() != null && innermost.getCause().getMessage() != null) {
            innermost = innermost.getCause();
        }
        if (innermost.getMessage() == null) {
            return innermost.getClass().getSimpleName();
        }
        return NATIVE_CALL.matcher(innermost.getMessage()).replaceFirst("");
    }
}
