package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.config.DaemonConfig;

/**
 * What GetLimits reports and DecryptMessage is charged, from the configuration: the unary cap,
 * the charge's floor (what gRPC may read before the daemon sees a message) and its ceiling
 * (what one caller can hold at all).
 */
class ServedLimitsTest {
    private static final int MIB = 1024 * 1024;

    @Test
    void theDefaults_capOneRequestAt4MiB_andChargeThat() {
        ServedLimits limits = of(new DaemonConfig.Limits(16 * MIB));

        assertThat(limits.unary().bytes()).isEqualTo(4 * MIB);
        assertThat(limits.decryptMessageCharge()).isEqualTo(4 * MIB);
        assertThat(limits.inFlightBytesPerCaller()).isEqualTo(64L * MIB);
        assertThat(limits.streamIdle()).isEqualTo(DaemonConfig.Limits.DEFAULT_STREAM_IDLE);
    }

    @Test
    void aSmallMessageLimit_isStillChargedWhatGrpcMayReadFirst() {
        ServedLimits limits = of(new DaemonConfig.Limits(100_000));

        assertThat(limits.unary().bytes()).isEqualTo(100_000);
        // A stub's 256 KiB Decrypt chunk and 64 KiB of framing, spelled out (a test review: the
        // expected value came from the code under test).
        assertThat(limits.decryptMessageCharge()).isEqualTo(256 * 1024 + 64 * 1024);
    }

    @Test
    void aDaemonBudgetBelowTheCallersOne_boundsBothTheBudgetToldAndTheCharge() {
        DaemonConfig.Limits d = new DaemonConfig.Limits(16 * MIB);
        ServedLimits limits = of(new DaemonConfig.Limits(d.maxMessageBytes(), d.maxRecipients(),
                d.maxAsn1Depth(), d.maxIndefiniteLengths(), 64L * MIB, 3 * MIB,
                Duration.ofSeconds(7), d.maxDecryptDuration(), d.connectionIdle(),
                d.maxStreams()));

        assertThat(limits.inFlightBytesPerCaller()).isEqualTo(3 * MIB);
        assertThat(limits.decryptMessageCharge()).isEqualTo(3 * MIB);
        assertThat(limits.streamIdle()).hasSeconds(7);
    }

    private static ServedLimits of(DaemonConfig.Limits config) {
        StreamGuards guards = new StreamGuards(config);
        try {
            return ServedLimits.of(config.maxMessageBytes(), guards);
        } finally {
            guards.close();
        }
    }
}
