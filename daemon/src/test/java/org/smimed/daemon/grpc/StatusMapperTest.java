package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class StatusMapperTest {
    /**
     * Found by an operator trial: a stream cut off by the end of a drain was logged SEVERE as
     * an internal error, which trips alerts; another replica can take the call.
     */
    @Test
    void callInterruptedWhileTheDaemonStops_isUnavailable_notInternal() {
        var direct = new StatusMapper().toStatus(new InterruptedException());
        var wrapped = new StatusMapper().toStatus(new ExecutionException(
                new RuntimeException(new InterruptedException("sleep interrupted"))));

        assertThat(direct.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(direct.getStatus().getDescription()).isEqualTo("the daemon is stopping;"
                + " retry");
        assertThat(wrapped.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(new StatusMapper().toStatus(new IllegalStateException("bug")).getStatus()
                .getCode()).isEqualTo(Status.Code.INTERNAL);
    }
}
