package org.smimed.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.BindException;
import org.junit.jupiter.api.Test;

class ListenerBindExceptionTest {
    @Test
    void message_namesListenerKeyAndAddress_withTheSystemsReasonUnwrapped() {
        IOException grpc = new IOException("Failed to bind to address /127.0.0.1:9544",
                new BindException("bind(..) failed with error(-98): Address already in use"));

        assertThat(new ListenerBindException(Listener.HEALTH,
                new DaemonConfig.Listen("127.0.0.1", 9544), grpc))
                .hasMessage("cannot bind the health listener (operations.healthListen) to"
                        + " 127.0.0.1:9544: Address already in use");
    }

    @Test
    void message_bracketsAnIpv6Address() {
        assertThat(new ListenerBindException(Listener.METRICS,
                new DaemonConfig.Listen("::1", 9545), new BindException("Permission denied")))
                .hasMessage("cannot bind the metrics listener (operations.metricsListen) to"
                        + " [::1]:9545: Permission denied");
    }
}
