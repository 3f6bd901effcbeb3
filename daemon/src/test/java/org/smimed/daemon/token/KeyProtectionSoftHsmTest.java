package org.smimed.daemon.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Keys never leave the token: the PKCS#11 attributes of every provisioned private key, read
 * from SoftHSM2 itself and cross-checked with OpenSC's pkcs11-tool.
 */
class KeyProtectionSoftHsmTest {
    @TempDir
    static Path dir;
    private static SoftHsm.Token token;
    private static Pkcs11Token session;

    @BeforeAll
    static void provision() throws Exception {
        token = SoftHsm.createToken("keys");
        TestDeployment.provision(dir, token);
        session = Pkcs11Token.login(Pkcs11Library.load(SoftHsm.LIBRARY), token.label(),
                token.pin().toCharArray());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa-demo@smimed.example/v1", "ec-demo@smimed.example/v1"})
    void provisionedKey_isSensitiveAndNeverExtractable(String label) throws Exception {
        KeyProtection protection = new TokenObjects(session, new java.security.SecureRandom())
                .protection(label);

        assertThat(protection.token()).as("CKA_TOKEN").isTrue();
        assertThat(protection.privateObject()).as("CKA_PRIVATE").isTrue();
        assertThat(protection.sensitive()).as("CKA_SENSITIVE").isTrue();
        assertThat(protection.extractable()).as("CKA_EXTRACTABLE").isFalse();
        assertThat(protection.alwaysSensitive()).as("CKA_ALWAYS_SENSITIVE").isTrue();
        assertThat(protection.neverExtractable()).as("CKA_NEVER_EXTRACTABLE").isTrue();
        assertThat(protection.valueReadable()).as("secret value readable").isFalse();
        assertThat(protection.keepsKeyInToken()).isTrue();
    }

    @Test
    void pkcs11Tool_agreesOnAccessAndUsage() throws Exception {
        String listing = Processes.check(List.of("pkcs11-tool", "--module",
                SoftHsm.LIBRARY.toString(), "--token-label", token.label(), "--login",
                "--pin", token.pin(), "--list-objects", "--type", "privkey"), null).stdout();

        assertThat(listing).contains("rsa-demo@smimed.example/v1", "ec-demo@smimed.example/v1");
        String[] keys = listing.split("Private Key Object");
        for (int i = 1; i < keys.length; i++) {
            assertThat(keys[i]).contains("Access:     sensitive, always sensitive,"
                    + " never extractable, local");
        }
        String ec = keys[1].contains("ec-demo") ? keys[1] : keys[2];
        assertThat(ec).contains("Usage:      sign, derive").doesNotContain("unwrap");
    }

    /** The check above must be able to fail: a deliberately weak key is reported as such. */
    @Test
    void weakKey_isDetected() throws Exception {
        WeakKeys.generateExtractableRsaKey(session, "weak");

        KeyProtection weak = new TokenObjects(session, new java.security.SecureRandom())
                .protection("weak");

        assertThat(weak.sensitive()).isFalse();
        assertThat(weak.extractable()).isTrue();
        assertThat(weak.valueReadable()).isTrue();
        assertThat(weak.keepsKeyInToken()).isFalse();
    }
}
