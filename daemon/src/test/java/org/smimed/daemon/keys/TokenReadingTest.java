package org.smimed.daemon.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.TokenInventory;

/**
 * How the token's objects are read as versions: here, keys whose usages are not fixed or whose
 * value the token would hand out (what the inventory reads from a real token is checked in
 * KeyProtectionSoftHsmTest).
 */
class TokenReadingTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-05T10:00:00Z"),
            ZoneOffset.UTC);
    private static final String ID = "00112233445566778899aabbccddeeff";
    private static final String NAME = "old@smimed.example/v1";

    /** Keys made before smimed fixed usages stay modifiable: start-up names each such version. */
    @Test
    void versionWithAModifiableKey_isNamedAsAProblem() throws Exception {
        TokenReading.Result result = TokenReading.of(snapshot(false, KeyState.ACTIVE));

        assertThat(result.versions()).extracting(TokenVersion::name).containsExactly(NAME);
        assertThat(result.problems()).containsExactly(
                NAME + ": " + TokenReading.USAGES_NOT_FIXED);
    }

    @Test
    void versionWithAFixedKey_isNoProblem() throws Exception {
        assertThat(TokenReading.of(snapshot(true, KeyState.ACTIVE)).problems()).isEmpty();
    }

    /** A DESTROYED version's key is about to go anyway: destroy finishes it. */
    @Test
    void destroyedVersionWithAModifiableKey_isNoProblem() throws Exception {
        assertThat(TokenReading.of(snapshot(false, KeyState.DESTROYED)).problems()).isEmpty();
        assertThat(TokenReading.of(snapshot(true, false, KeyState.DESTROYED)).problems())
                .isEmpty();
    }

    /** A key placed by hand under a version's label whose value the token would hand out. */
    @Test
    void versionWhoseKeyCanLeaveTheToken_isNamedAsAProblem() throws Exception {
        TokenReading.Result result = TokenReading.of(snapshot(true, false, KeyState.ACTIVE));

        assertThat(result.versions()).extracting(TokenVersion::name).containsExactly(NAME);
        assertThat(result.problems()).containsExactly(NAME + ": " + TokenReading.KEY_CAN_LEAVE);
    }

    private static TokenInventory.Snapshot snapshot(boolean usagesFixed, KeyState state)
            throws Exception {
        return snapshot(usagesFixed, true, state);
    }

    private static TokenInventory.Snapshot snapshot(boolean usagesFixed, boolean staysInToken,
                                                    KeyState state) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        var certificate = OfficerCa.create(CLOCK).issue(generator.generateKeyPair().getPublic(),
                "old@smimed.example", true, true, Duration.ofDays(30));
        VersionRecord record = new VersionRecord(ID, "old@smimed.example", 1, state,
                KeyAlgorithm.EC_P256, KeyUsage.BOTH, CLOCK.instant(), CLOCK.instant());
        return new TokenInventory.Snapshot(
                List.of(new TokenInventory.KeyObject(ID, NAME, KeyAlgorithm.Family.EC, true, true,
                        usagesFixed, staysInToken, java.util.Optional.empty())),
                List.of(new TokenInventory.PublicKeyObject(ID, NAME)),
                List.of(new TokenInventory.CertificateObject(ID, NAME, certificate)),
                List.of(new TokenInventory.DataObject(NAME, record.encode())), 0, List.of());
    }
}
