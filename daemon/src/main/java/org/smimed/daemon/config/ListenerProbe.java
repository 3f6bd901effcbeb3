package org.smimed.daemon.config;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.EnumMap;
import java.util.Map;

/**
 * Binds and releases every configured listener's address before the daemon touches anything
 * else. A port in use was found only after the token login, the start-up repair and the audit
 * log's opening, and a service manager that restarts on exit 7 repeated all three every few
 * seconds on a token other replicas share (found by an operator trial). A port taken in the
 * moment between this probe and the real bind still fails there, with the same message.
 */
public final class ListenerProbe {
    private ListenerProbe() {
    }

    /** Throws for the first listener whose address cannot be bound now. */
    public static void requireBindable(DaemonConfig config) throws ListenerBindException {
        Map<Listener, DaemonConfig.Listen> listeners = new EnumMap<>(Listener.class);
        listeners.put(Listener.CLIENT, config.listen());
        config.admin().ifPresent(admin -> listeners.put(Listener.ADMIN, admin.listen()));
        config.operations().healthListen().ifPresent(l -> listeners.put(Listener.HEALTH, l));
        config.operations().metricsListen().ifPresent(l -> listeners.put(Listener.METRICS, l));
        for (Map.Entry<Listener, DaemonConfig.Listen> entry : listeners.entrySet()) {
            DaemonConfig.Listen listen = entry.getValue();
            if (listen.port() == 0) {
                continue; // any free port: nothing to probe
            }
            try (ServerSocket socket = new ServerSocket()) {
                // As the listeners bind: a port left in TIME_WAIT is free, one in use is not.
                socket.setReuseAddress(true);
                socket.bind(listen.socketAddress());
            } catch (IOException e) {
                throw new ListenerBindException(entry.getKey(), listen, e);
            }
        }
    }
}
