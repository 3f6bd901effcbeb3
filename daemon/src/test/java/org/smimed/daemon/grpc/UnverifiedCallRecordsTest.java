package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.testing.MutableClock;

/** How many refusals without a valid certificate get a record of their own. */
class UnverifiedCallRecordsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
    private final UnverifiedCallRecords records = new UnverifiedCallRecords(clock);

    @Test
    void aBurstIsRecorded_thenOneASecond_andEachRecordCountsTheUnrecordedBeforeIt() {
        for (int i = 0; i < UnverifiedCallRecords.BURST; i++) {
            assertThat(records.admit(false)).hasValue(0);
        }
        for (int i = 0; i < 25; i++) {
            assertThat(records.admit(false)).isEmpty();
        }
        clock.advance(Duration.ofMillis(999));
        assertThat(records.admit(false)).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(records.admit(false)).hasValue(26);
        assertThat(records.admit(false)).isEmpty();

        clock.advance(Duration.ofHours(1)); // a quiet hour refills the burst, no more
        for (int i = 0; i < UnverifiedCallRecords.BURST; i++) {
            assertThat(records.admit(false)).isEqualTo(OptionalLong.of(i == 0 ? 1 : 0));
        }
        assertThat(records.admit(false)).isEmpty();
    }

    /** Found by a security review: a flood without certificates hid a revoked one's calls. */
    @Test
    void refusalsOfCertificatesFromAClientCa_haveTheirOwnAllowance() {
        for (int i = 0; i < UnverifiedCallRecords.BURST + 10; i++) {
            records.admit(false);
        }
        assertThat(records.admit(false)).isEmpty();

        assertThat(records.admit(true)).hasValue(0);
    }
}
