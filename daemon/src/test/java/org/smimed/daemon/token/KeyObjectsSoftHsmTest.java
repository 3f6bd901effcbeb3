package org.smimed.daemon.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.testing.SoftHsm;

/**
 * State records on a real SoftHSM2 (which refuses to modify a data object's CKA_VALUE, so an
 * update creates the new record before destroying the old): an update finds the record it
 * replaces, or fails naming it and writes nothing.
 */
class KeyObjectsSoftHsmTest {
    private static Pkcs11Token token;
    private static KeyObjects objects;

    @BeforeAll
    static void login() throws Exception {
        token = SoftHsm.createToken("objects").login();
        objects = new KeyObjects(token, new SecureRandom());
    }

    @Test
    void updateData_ofARecord_replacesItWithOne() throws Exception {
        String label = "kept@smimed.example/v1";
        objects.createData(label, bytes("PENDING"));

        objects.updateData(label, bytes("ACTIVE"));

        assertThat(RecordRace.count(token, label)).isEqualTo(1);
        assertThat(RecordRace.findThenRead(token, false, label, attempt -> { }))
                .isEqualTo("ACTIVE");
    }

    @Test
    void updateData_withNoRecord_failsNamingIt_andWritesNothing() throws Exception {
        String label = "nobody@smimed.example/v1";

        assertThatThrownBy(() -> objects.updateData(label, bytes("ACTIVE")))
                .isInstanceOf(MissingRecordException.class)
                .hasMessage("state record 'nobody@smimed.example/v1' is not on the token")
                .extracting(e -> ((MissingRecordException) e).label()).isEqualTo(label);
        assertThat(RecordRace.count(token, label)).isZero();
    }

    @Test
    void updateData_ofARecordRemovedByAnotherWriter_failsNamingIt_andWritesNothing()
            throws Exception {
        String label = "removed@smimed.example/v1";
        objects.createData(label, bytes("PENDING"));
        assertThat(objects.destroyData(label)).isEqualTo(1);

        assertThatThrownBy(() -> objects.updateData(label, bytes("DISABLED")))
                .isInstanceOf(MissingRecordException.class)
                .hasMessageContaining("'" + label + "'");
        assertThat(RecordRace.count(token, label)).isZero();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A failure names the PKCS#11 function: "token operation failed" did not (a trial). */
    @Test
    void aFailedCall_isNamedByItsPkcs11Function() {
        assertThatThrownBy(() -> TokenFaults.readMissingObject(token))
                .isInstanceOf(TokenException.class)
                .hasMessageStartingWith("C_GetAttributeValue failed: CKR_OBJECT_HANDLE_INVALID");
    }
}
