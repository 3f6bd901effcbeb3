package org.smimed.daemon.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.testing.SoftHsm;

/**
 * Replays, on a real SoftHSM2, what a replica meets on a shared token: it finds a state record
 * with C_FindObjects, and before it reads the record another daemon's officer replaces it
 * (SoftHSM2 refuses to modify a data object's CKA_VALUE, so {@link KeyObjects#updateData}
 * creates a new record and destroys the old one). The replacement runs in this process between
 * the find and the read: the interleaving SharedTokenIT meets by chance, made certain.
 */
class StaleHandleSoftHsmTest {
    private static Pkcs11Token token;
    private static KeyObjects objects;

    @BeforeAll
    static void login() throws Exception {
        token = SoftHsm.createToken("stale").login();
        objects = new KeyObjects(token, new SecureRandom());
    }

    @Test
    void readAfresh_ofARecordReplacedAfterItWasFound_readsTheNewRecord() throws Exception {
        String label = "afresh@smimed.example/v1";
        objects.createData(label, bytes("PENDING"));
        AtomicInteger attempts = new AtomicInteger();

        String read = RecordRace.findThenRead(token, true, label, attempt -> {
            attempts.set(attempt);
            if (attempt == 1) {
                update(label, "ACTIVE");
            }
        });

        assertThat(read).isEqualTo("ACTIVE");
        assertThat(attempts).hasValue(2);
    }

    @Test
    void plainRead_ofARecordReplacedAfterItWasFound_failsWithAStaleHandle() throws Exception {
        String label = "plain@smimed.example/v1";
        objects.createData(label, bytes("PENDING"));

        assertThatThrownBy(() -> RecordRace.findThenRead(token, false, label,
                attempt -> update(label, "ACTIVE")))
                .isInstanceOf(TokenException.class)
                .satisfies(e -> assertThat(TokenErrors.isStaleHandle(e)).isTrue());
    }

    @Test
    void readAfresh_givesUpUnavailable_whenEveryAttemptMeetsAReplacement() throws Exception {
        String label = "busy@smimed.example/v1";
        objects.createData(label, bytes("PENDING"));
        AtomicInteger attempts = new AtomicInteger();

        assertThatThrownBy(() -> RecordRace.findThenRead(token, true, label, attempt -> {
            attempts.set(attempt);
            update(label, "DISABLED");
        })).isInstanceOf(TokenException.class)
                .extracting(e -> ((TokenException) e).kind())
                .isEqualTo(TokenException.Kind.UNAVAILABLE);
        assertThat(attempts).hasValue(Pkcs11Token.STALE_HANDLE_ATTEMPTS);
    }

    @Test
    void recordReplacedDuringARead_staysOneRecord_throughLaterUpdates() throws Exception {
        String label = "twice@smimed.example/v1";
        objects.createData(label, bytes("PENDING"));

        String read = RecordRace.findThenRead(token, true, label, attempt -> {
            if (attempt == 1) {
                update(label, "ACTIVE");
            }
        });
        update(label, "DISABLED");

        assertThat(read).isEqualTo("ACTIVE");
        assertThat(RecordRace.count(token, label)).isEqualTo(1);
        assertThat(RecordRace.findThenRead(token, false, label, attempt -> { }))
                .isEqualTo("DISABLED");
    }

    /** Replaces the record, which every test here created first. */
    private static void update(String label, String value) throws TokenException {
        try {
            objects.updateData(label, bytes(value));
        } catch (MissingRecordException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
