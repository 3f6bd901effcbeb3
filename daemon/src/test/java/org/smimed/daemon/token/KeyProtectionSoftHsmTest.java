package org.smimed.daemon.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.util.Arrays;
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
 * Keys never leave the token and keep the usages they were made with: the PKCS#11 attributes of
 * every provisioned private key, read from SoftHSM2 itself and cross-checked with OpenSC's
 * pkcs11-tool, and what the token answers someone with the user PIN who tries to add a usage.
 */
class KeyProtectionSoftHsmTest {
    /** PKCS#11 CKR_ACTION_PROHIBITED: what the token answers for a locked key. */
    private static final long CKR_ACTION_PROHIBITED = 0x1BL;
    @TempDir
    static Path dir;
    private static SoftHsm.Token token;
    private static Pkcs11Token session;
    /** A token of its own for the inventory test, which must see no other test's keys. */
    private static SoftHsm.Token inventoryToken;
    /** A token holding another application's key, for the same reason. */
    private static SoftHsm.Token foreignToken;
    /** And one for the extractable-key inventory test. */
    private static SoftHsm.Token extractableToken;

    @BeforeAll
    static void provision() throws Exception {
        token = SoftHsm.createToken("keys");
        inventoryToken = SoftHsm.createToken("inventory");
        foreignToken = SoftHsm.createToken("foreign");
        extractableToken = SoftHsm.createToken("extractable");
        TestDeployment.provision(dir, token);
        session = token.login();
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
        assertThat(protection.modifiable()).as("CKA_MODIFIABLE").isFalse();
        assertThat(protection.copyable()).as("CKA_COPYABLE").isFalse();
        assertThat(protection.unwraps()).as("CKA_UNWRAP").isFalse();
        KeptInToken.assertKeptInToken(session, label, true);
    }

    /**
     * The user PIN could give an encrypt-only key CKA_SIGN (found by an outside trial): the
     * token now refuses both the change in place and a copy with it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"generated", "imported"})
    void encryptOnlyKey_cannotBeGivenSigningWithThePin(String how) throws Exception {
        String label = "u-rsa-enc-" + how + "/v1";
        if (how.equals("generated")) {
            new TokenObjects(session, new SecureRandom()).generate(label, KeyAlgorithm.RSA_2048,
                    KeyUsage.ENCRYPT);
        } else {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            new KeyObjects(session, new SecureRandom()).importKeyPair(label, pair.getPrivate(),
                    pair.getPublic(), KeyUsage.ENCRYPT);
        }

        KeyProtection protection = new TokenObjects(session, new SecureRandom())
                .protection(label);
        assertThat(protection.modifiable()).as("CKA_MODIFIABLE").isFalse();
        assertThat(protection.copyable()).as("CKA_COPYABLE").isFalse();
        assertThat(protection.unwraps()).as("CKA_UNWRAP").isFalse();
        KeptInToken.assertKeptInToken(session, label, how.equals("generated"));
        assertThat(PinHolder.addSigning(session, label)).as("C_SetAttributeValue(CKA_SIGN)")
                .isEqualTo(CKR_ACTION_PROHIBITED);
        assertThat(PinHolder.copyWithSigning(session, label)).as("C_CopyObject")
                .isEqualTo(CKR_ACTION_PROHIBITED);
        assertThat(PinHolder.signs(session, label)).as("CKA_SIGN afterwards").isFalse();
    }

    @Test
    void pkcs11Tool_agreesOnAccessAndUsage() throws Exception {
        String listing = Processes.check(List.of("pkcs11-tool", "--module",
                SoftHsm.LIBRARY.toString(), "--token-label", token.label(), "--login",
                "--pin", token.pin(), "--list-objects", "--type", "privkey"), null).stdout();

        assertThat(listing).contains("rsa-demo@smimed.example/v1", "ec-demo@smimed.example/v1");
        // Only the provisioned keys: other tests here add keys to the token in any order.
        List<String> keys = Arrays.stream(listing.split("Private Key Object"))
                .filter(k -> k.contains("-demo@smimed.example/v1")).toList();
        assertThat(keys).hasSize(2);
        for (String key : keys) {
            assertThat(key).contains("Access:     sensitive, always sensitive,"
                    + " never extractable, local");
        }
        String ec = keys.get(0).contains("ec-demo") ? keys.get(0) : keys.get(1);
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
    }

    /**
     * The same for the CKA_VALUE branch (EC, Edwards and Montgomery keys), which the RSA key
     * above never reaches: an extractable P-256 key hands out its value, and both the product's
     * check and the shared test check say so.
     */
    @Test
    void weakEcKey_isDetectedThroughItsValue() throws Exception {
        WeakKeys.generateExtractableEcKey(session, "weak-ec");

        KeyProtection weak = new TokenObjects(session, new SecureRandom()).protection("weak-ec");

        assertThat(weak.sensitive()).isFalse();
        assertThat(weak.extractable()).isTrue();
        assertThat(weak.valueReadable()).as("CKA_VALUE readable").isTrue();
        assertThatThrownBy(() -> KeptInToken.assertKeptInToken(session, "weak-ec", true))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("CKA_SENSITIVE").hasMessageContaining("CKA_EXTRACTABLE")
                .hasMessageContaining("C_GetAttributeValue(CKA_VALUE)");
    }

    /**
     * Only CKR_ATTRIBUTE_SENSITIVE counts as "the secret is not readable": another answer
     * proves nothing about the key, so it is an error, never a reassuring false.
     */
    @Test
    void secretCheck_failsOnAnyAnswerButAttributeSensitive() {
        // CKA_VALUE of an RSA key: CKR_ATTRIBUTE_TYPE_INVALID, a refusal of nothing.
        assertThatThrownBy(() -> TokenFaults.secretValueReadableAsEcKey(session,
                "rsa-demo@smimed.example/v1")).isInstanceOf(TokenException.class)
                .hasMessageContaining("CKR_ATTRIBUTE_TYPE_INVALID")
                .extracting(e -> ((TokenException) e).kind())
                .isEqualTo(TokenException.Kind.REJECTED);
        assertThatThrownBy(() -> TokenFaults.secretValueOfMissingObject(session))
                .isInstanceOf(TokenException.class)
                .hasMessageContaining("CKR_OBJECT_HANDLE_INVALID")
                .extracting(e -> ((TokenException) e).kind())
                .isEqualTo(TokenException.Kind.UNAVAILABLE);
    }

    /**
     * The refusals above must come from the key's attributes, not from the session: a key made
     * as before (modifiable, copyable) takes CKA_SIGN both ways, and is reported as such.
     */
    @Test
    void modifiableKey_isDetectedAndTakesSigning() throws Exception {
        WeakKeys.generateModifiableEncryptionKey(session, "modifiable");

        KeyProtection loose = new TokenObjects(session, new SecureRandom())
                .protection("modifiable");

        assertThat(loose.modifiable()).isTrue();
        assertThat(loose.copyable()).isTrue();
        assertThat(loose.unwraps()).isTrue();
        assertThat(PinHolder.signs(session, "modifiable")).isFalse();
        assertThat(PinHolder.copyWithSigning(session, "modifiable")).isZero();
        assertThat(PinHolder.addSigning(session, "modifiable")).isZero();
        assertThat(PinHolder.signs(session, "modifiable")).isTrue();
    }

    /** What start-up warns about: the inventory tells a key made as before from a fixed one. */
    @Test
    void inventory_tellsModifiableKeysFromFixedOnes() throws Exception {
        Pkcs11Token fresh = inventoryToken.login();
        WeakKeys.generateModifiableEncryptionKey(fresh, "old/v1");
        new TokenObjects(fresh, new SecureRandom()).generate("new/v1", KeyAlgorithm.EC_P256,
                KeyUsage.BOTH);

        var keys = new TokenInventory(fresh).read().keys();

        assertThat(keys).extracting(TokenInventory.KeyObject::label,
                TokenInventory.KeyObject::usagesFixed).containsExactlyInAnyOrder(
                        tuple("old/v1", false), tuple("new/v1", true));
    }

    /** What start-up names too: the inventory tells a key the token would hand out. */
    @Test
    void inventory_tellsExtractableKeysFromSensitiveOnes() throws Exception {
        Pkcs11Token fresh = extractableToken.login();
        WeakKeys.generateExtractableEcKey(fresh, "loose/v1");
        new TokenObjects(fresh, new SecureRandom()).generate("kept/v1", KeyAlgorithm.EC_P256,
                KeyUsage.BOTH);

        var keys = new TokenInventory(fresh).read().keys();

        assertThat(keys).extracting(TokenInventory.KeyObject::label,
                TokenInventory.KeyObject::staysInToken).containsExactlyInAnyOrder(
                        tuple("loose/v1", false), tuple("kept/v1", true));
    }

    /**
     * A shared token may hold other applications' keys, made without CKA_ID or CKA_LABEL (as
     * pkcs11-tool does without --id): reading the token must not fail on them.
     */
    @Test
    void inventory_readsATokenWithAKeyWithoutIdOrLabel() throws Exception {
        Pkcs11Token fresh = foreignToken.login();
        WeakKeys.generateKeyWithoutIdOrLabel(fresh);

        var keys = new TokenInventory(fresh).read().keys();

        assertThat(keys).extracting(TokenInventory.KeyObject::id, TokenInventory.KeyObject::label)
                .containsExactly(tuple("", ""));
    }
}
