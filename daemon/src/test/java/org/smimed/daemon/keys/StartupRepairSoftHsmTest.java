package org.smimed.daemon.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.testing.LogCapture;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyObjects;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.Pkcs11Library;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenInventory;
import org.smimed.daemon.token.TokenObjects;

/**
 * What a crash between two PKCS#11 writes leaves on the token is reported and cleaned when key
 * administration opens, before anything is served; complete versions are left alone.
 */
class StartupRepairSoftHsmTest {
    private static SoftHsm.Token first;
    private static SoftHsm.Token second;
    private static SoftHsm.Token third;
    private static SoftHsm.Token fourth;
    private static SoftHsm.Token fifth;

    /** Set by {@link #open}: each test's token and the writers it places objects with. */
    private final SecureRandom random = new SecureRandom();
    private Pkcs11Token token;
    private TokenObjects objects;
    private KeyObjects keyObjects;

    /** SoftHSM2 sees only the tokens that exist when the library loads: all made first. */
    @BeforeAll
    static void tokens() throws Exception {
        first = SoftHsm.createToken("repair");
        second = SoftHsm.createToken("repair2");
        third = SoftHsm.createToken("repair3");
        fourth = SoftHsm.createToken("repair4");
        fifth = SoftHsm.createToken("repair5");
    }

    @Test
    void open_withHalfMadeVersions_cleansAndReportsThem() throws Exception {
        open(first);
        // A key pair without record or certificate: since generate and import write an
        // incomplete record first, never smimed's interrupted work but a record and certificate
        // the token can no longer read (a fault trial corrupted a token so): kept and named.
        TokenObjects.GeneratedKey orphan = objects.generate("orphan@smimed.example/v1",
                KeyAlgorithm.EC_P256, KeyUsage.SIGN);
        // A generate interrupted after its incomplete record, before the key pair.
        keyObjects.createData("early@smimed.example/v1", record(
                "aabbccddeeff00112233445566778899", "early@smimed.example", KeyState.PENDING)
                .completed(false).encode());
        // A record whose key is gone: no interrupted operation leaves that (the key is
        // written first), so a fault or a hand took the key; kept, named, not served.
        keyObjects.createData("ghost@smimed.example/v1", record("00112233445566778899aabbccddeeff",
                "ghost@smimed.example", KeyState.ACTIVE).encode());
        // A destroy interrupted after the record said DESTROYED, before the key went.
        TokenObjects.GeneratedKey dead = objects.generate("dead@smimed.example/v1",
                KeyAlgorithm.EC_P256, KeyUsage.SIGN);
        keyObjects.createData("dead@smimed.example/v1", record(HexFormat.of().formatHex(
                dead.id()), "dead@smimed.example", KeyState.DESTROYED).encode());
        // A generate killed inside C_GenerateKeyPair: the public key written, the private
        // one not (found by an outside trial), and a record write killed inside
        // C_CreateObject: a data object without label or application.
        TokenObjects.GeneratedKey half = objects.generate("half@smimed.example/v1",
                KeyAlgorithm.EC_P256, KeyUsage.SIGN);
        keyObjects.destroy(HexFormat.of().formatHex(half.id()),
                KeyObjects.ObjectClass.PRIVATE_KEY);
        org.smimed.daemon.token.TokenFaults.createAnonymousData(token);
        // And one complete PENDING version, which must survive.
        TokenObjects.GeneratedKey fine = objects.generate("fine@smimed.example/v1",
                KeyAlgorithm.EC_P256, KeyUsage.SIGN);
        keyObjects.createData("fine@smimed.example/v1", record(HexFormat.of().formatHex(
                fine.id()), "fine@smimed.example", KeyState.PENDING).encode());

        KeyAdministration admin = KeyAdministration.open(token, random, Clock.systemUTC());

        assertThat(admin.repairs()).extracting(Repair::toString).containsExactlyInAnyOrder(
                // Each names only what was there: an auditor reads (and the audit record
                // hashes) this line; it listed every class whatever existed.
                "early@smimed.example/v1: generate or PKCS#12 import was interrupted; removed"
                        + " the record",
                "dead@smimed.example/v1: destroy was interrupted; removed"
                        + " [PRIVATE_KEY, PUBLIC_KEY]",
                "half@smimed.example/v1: public key without private key, certificate or"
                        + " record (key generation was interrupted); removed [PUBLIC_KEY]");
        assertThat(admin.registry().problems()).containsExactly(TokenReading.keyMissing(
                "ghost@smimed.example/v1", "its state record says ACTIVE"),
                "orphan@smimed.example/v1: a private key labelled as a version has no state"
                        + " record and no certificate on the token; not served and not removed."
                        + " If its record or certificate was lost (a damaged token), restore the"
                        + " token from its backup; a leftover of a key generation interrupted"
                        + " under an older smimed can be deleted with pkcs11-tool"
                        + " (--delete-object --type privkey --id "
                        + HexFormat.of().formatHex(orphan.id()) + ", and the public key:"
                        + " --type pubkey)", "0 private key(s),"
                + " 0 public key(s) and 1 data object(s) have neither label nor id: an officer"
                + " operation killed inside a PKCS#11 call leaves such objects, which smimed"
                + " never uses; unless another application made them, find them with pkcs11-tool"
                + " --list-objects --login and remove them with --delete-object");
        // Their identities' callers are told why, not "unknown identity" (a fault trial's
        // service was told its identity did not exist when its only key was damaged).
        assertThatThrownBy(() -> admin.registry().signingKey("Orphan@smimed.example"))
                .isInstanceOf(NoUsableKeyException.class).hasMessage("identity"
                        + " 'Orphan@smimed.example' has no key that may sign now:"
                        + " orphan@smimed.example/v1 is not served: it has neither state record"
                        + " nor certificate on the token (an officer sees it in smimectl token)");
        assertThatThrownBy(() -> admin.registry().decryptionKeys("ghost@smimed.example"))
                .isInstanceOf(NoUsableKeyException.class).hasMessage("identity"
                        + " 'ghost@smimed.example' has no key that may decrypt now:"
                        + " ghost@smimed.example/v1's private key is missing from the token (an"
                        + " officer sees it in smimectl token)");
        assertThatThrownBy(() -> admin.registry().decryptionKeys("nobody@smimed.example"))
                .isInstanceOf(UnknownIdentityException.class);
        assertThat(objects.hasPrivateKey("orphan@smimed.example/v1")).isTrue();
        assertThat(objects.hasPrivateKey("dead@smimed.example/v1")).isFalse();
        assertThat(objects.hasPrivateKey("fine@smimed.example/v1")).isTrue();
        TokenInventory.Snapshot left = new TokenInventory(token).read();
        assertThat(left.data()).extracting(TokenInventory.DataObject::label)
                .containsExactlyInAnyOrder("dead@smimed.example/v1", "fine@smimed.example/v1",
                        "ghost@smimed.example/v1");
        assertThat(left.publicKeyIds()).containsExactlyInAnyOrder(
                HexFormat.of().formatHex(fine.id()), HexFormat.of().formatHex(orphan.id()));
        assertThat(admin.list()).extracting(v -> v.name() + " " + v.state()).containsExactly(
                "dead@smimed.example/v1 DESTROYED", "fine@smimed.example/v1 PENDING");

        // Opened again, nothing is left to repair.
        assertThat(KeyAdministration.open(token, random, Clock.systemUTC()).repairs()).isEmpty();
    }

    @Test
    void open_withAnInterruptedMigrationAndADoubledRecord_removesOneAndMergesTheOther()
            throws Exception {
        open(second);
        // A PKCS#12 migration cut off before its record was marked complete.
        TokenObjects.GeneratedKey half = objects.generate("half@smimed.example/v1",
                KeyAlgorithm.EC_P256, KeyUsage.SIGN);
        keyObjects.createData("half@smimed.example/v1", record(HexFormat.of().formatHex(
                half.id()), "half@smimed.example", KeyState.PENDING).completed(false).encode());
        // A state change cut off between writing the new record and removing the old one.
        TokenObjects.GeneratedKey twice = objects.generate("twice@smimed.example/v1",
                KeyAlgorithm.EC_P256, KeyUsage.SIGN);
        VersionRecord old = record(HexFormat.of().formatHex(twice.id()), "twice@smimed.example",
                KeyState.PENDING);
        keyObjects.createData("twice@smimed.example/v1", old.encode());
        keyObjects.createData("twice@smimed.example/v1", old.with(KeyState.DISABLED,
                old.updated().plusSeconds(1)).encode());

        KeyAdministration admin = KeyAdministration.open(token, random, Clock.systemUTC());

        assertThat(admin.repairs()).extracting(Repair::toString).containsExactly(
                "half@smimed.example/v1: generate or PKCS#12 import was interrupted; removed"
                        + " [PRIVATE_KEY, PUBLIC_KEY] and the record",
                "twice@smimed.example/v1: a state change was interrupted; 2 records replaced"
                        + " by the newest (DISABLED)");
        assertThat(objects.hasPrivateKey("half@smimed.example/v1")).isFalse();
        assertThat(new TokenInventory(token).read().data())
                .extracting(TokenInventory.DataObject::label)
                .containsExactly("twice@smimed.example/v1");
        assertThat(admin.list()).extracting(v -> v.name() + " " + v.state())
                .containsExactly("twice@smimed.example/v1 DISABLED");
        assertThat(KeyAdministration.open(token, random, Clock.systemUTC()).repairs()).isEmpty();
    }

    @Test
    void open_afterAnInterruptedActivate_retiresOnlyTheVersionWhoseJobTheNewerTookOver()
            throws Exception {
        open(third);
        String identity = "split@smimed.example";
        Instant t = Instant.now().minusSeconds(60);
        // The encryption key, ACTIVE all along; the old signing key; and a new signing key
        // whose activate was cut off before it demoted the old one.
        active(objects, keyObjects, identity, 1, KeyUsage.ENCRYPT, t);
        active(objects, keyObjects, identity, 2, KeyUsage.SIGN, t.plusSeconds(1));
        active(objects, keyObjects, identity, 3, KeyUsage.SIGN, t.plusSeconds(2));

        KeyAdministration admin = KeyAdministration.open(token, random, Clock.systemUTC());

        assertThat(admin.repairs()).containsExactly(new Repair(identity + "/v2",
                "activate was interrupted; " + identity + "/v3 stays ACTIVE, this one is now"
                        + " DECRYPT_ONLY"));
        assertThat(admin.list()).extracting(v -> v.name() + " " + v.state()).containsExactly(
                identity + "/v1 ACTIVE", identity + "/v2 DECRYPT_ONLY", identity + "/v3 ACTIVE");
        assertThat(KeyAdministration.open(token, random, Clock.systemUTC()).repairs()).isEmpty();
    }

    /**
     * A served version whose private key went missing (an operator trial deleted it with
     * pkcs11-tool, as a token fault might) is no interrupted operation's leftover: start-up
     * removed its certificate and record for good. Now all stays, and the version is named.
     */
    @Test
    void open_withServedVersionsWhoseKeyWentMissing_keepsEverythingAndNamesThem()
            throws Exception {
        open(fourth);
        OfficerCa ca = OfficerCa.create(Clock.systemUTC());
        Instant t = Instant.now().minusSeconds(60);
        // ACTIVE with a record, as rsa-demo/v2 in the trial; legacy with certificate and public
        // key, as ec-demo/v1; legacy with a certificate only; and a whole one beside them.
        String active = certified(objects, ca, "act@smimed.example/v2");
        recorded("act@smimed.example/v2", active, KeyState.ACTIVE, KeyUsage.BOTH, t);
        String legacy = certified(objects, ca, "old@smimed.example/v1");
        String bare = certified(objects, ca, "bare@smimed.example/v1");
        String whole = certified(objects, ca, "whole@smimed.example/v1");
        for (String id : List.of(active, legacy, bare)) {
            keyObjects.destroy(id, KeyObjects.ObjectClass.PRIVATE_KEY);
        }
        keyObjects.destroy(bare, KeyObjects.ObjectClass.PUBLIC_KEY);
        Map<String, String> sha256 = new HashMap<>();
        for (TokenInventory.CertificateObject c : new TokenInventory(token).read().certificates()) {
            sha256.put(c.id(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(c.certificate().getEncoded())));
        }
        String legacyWhat = "a legacy version: certificate without state record";
        List<String> problems = List.of(
                lost("act@smimed.example/v2", "its state record says ACTIVE", sha256.get(active)),
                lost("bare@smimed.example/v1", legacyWhat, sha256.get(bare)),
                lost("old@smimed.example/v1", legacyWhat, sha256.get(legacy)));

        KeyAdministration admin;
        try (LogCapture log = LogCapture.of(KeyAdministration.class)) {
            admin = KeyAdministration.open(token, random, Clock.systemUTC());
            assertThat(log.lines()).containsAll(problems.stream()
                    .map(p -> "WARNING token: " + p).toList());
        }

        assertThat(admin.repairs()).isEmpty();
        assertThat(admin.registry().problems()).containsExactlyInAnyOrderElementsOf(problems);
        assertThat(admin.registry().problems()).allMatch(p -> p.contains(": its private key is"
                + " missing from the token (") && !p.contains("interrupted"));
        TokenInventory.Snapshot left = new TokenInventory(token).read();
        assertThat(left.certificates()).extracting(TokenInventory.CertificateObject::id)
                .containsExactlyInAnyOrder(active, legacy, bare, whole);
        assertThat(left.publicKeyIds()).containsExactlyInAnyOrder(active, legacy, whole);
        assertThat(left.data()).extracting(TokenInventory.DataObject::label)
                .containsExactly("act@smimed.example/v2");
        // Without its key a version can neither sign nor decrypt: not served, not listed.
        assertThat(admin.list()).extracting(v -> v.name() + " " + v.state())
                .containsExactly("whole@smimed.example/v1 ACTIVE");
        // Opened again (the restart after a fault): still nothing removed, still named.
        KeyAdministration again = KeyAdministration.open(token, random, Clock.systemUTC());
        assertThat(again.repairs()).isEmpty();
        assertThat(again.registry().problems()).containsExactlyInAnyOrderElementsOf(problems);
        assertThat(new TokenInventory(token).read().certificates()).hasSize(4);
    }

    /**
     * A key and certificate without a record, beside a later version of its identity that was
     * activated, lost its record: activating the later one wrote it (a fault trial truncated a
     * DISABLED version's record, and start-up served it as legacy: it decrypted again). Beside
     * a later PENDING version only, it is a legacy version as before.
     */
    @Test
    void open_withALegacyLookingVersionBesideAnActivatedLaterOne_namesItAndServesNothingOfIt()
            throws Exception {
        open(fifth);
        OfficerCa ca = OfficerCa.create(Clock.systemUTC());
        Instant t = Instant.now().minusSeconds(60);
        certified(objects, ca, "lost@smimed.example/v1");
        String later = certified(objects, ca, "lost@smimed.example/v2");
        recorded("lost@smimed.example/v2", later, KeyState.ACTIVE, KeyUsage.BOTH, t);
        // The same beside a DECRYPT_ONLY later version: nothing of the identity signs, and
        // its callers hear why rather than only "is DECRYPT_ONLY".
        certified(objects, ca, "archived@smimed.example/v1");
        String archive = certified(objects, ca, "archived@smimed.example/v2");
        recorded("archived@smimed.example/v2", archive, KeyState.DECRYPT_ONLY, KeyUsage.ENCRYPT, t);
        certified(objects, ca, "kept@smimed.example/v1");
        String pending = certified(objects, ca, "kept@smimed.example/v2");
        recorded("kept@smimed.example/v2", pending, KeyState.PENDING, KeyUsage.BOTH, t);

        KeyAdministration admin = KeyAdministration.open(token, random, Clock.systemUTC());

        assertThat(admin.repairs()).isEmpty();
        assertThat(admin.registry().problems()).containsExactlyInAnyOrder(
                lostRecord("lost", "v2"), lostRecord("archived", "v2"));
        assertThatThrownBy(() -> admin.registry().signingKey("archived@smimed.example"))
                .hasMessageEndingWith("; archived@smimed.example/v1 is not served: its state"
                        + " record was lost (an officer sees it in smimectl token)");
        assertThat(admin.list()).extracting(v -> v.name() + " " + v.state()).containsExactly(
                "archived@smimed.example/v2 DECRYPT_ONLY", "kept@smimed.example/v1 ACTIVE",
                "kept@smimed.example/v2 PENDING", "lost@smimed.example/v2 ACTIVE");
        assertThat(new TokenInventory(token).read().data()).hasSize(3);

        // Activating kept/v2 records the legacy v1 first (still ACTIVE), so that no crash
        // leaves it unrecorded beside an activated v2; then demotes it, one record each.
        admin.activate("kept@smimed.example/v2");
        KeyAdministration again = KeyAdministration.open(token, random, Clock.systemUTC());
        assertThat(again.repairs()).isEmpty();
        assertThat(again.list()).extracting(v -> v.name() + " " + v.state()).containsExactly(
                "archived@smimed.example/v2 DECRYPT_ONLY", "kept@smimed.example/v1 DECRYPT_ONLY",
                "kept@smimed.example/v2 ACTIVE", "lost@smimed.example/v2 ACTIVE");
        assertThat(new TokenInventory(token).read().data()).hasSize(4);
    }

    /** Writes the complete state record of version {@code label}, an EC P-256 key. */
    private void recorded(String label, String keyId, KeyState state, KeyUsage usage,
                          Instant changed) throws Exception {
        VersionName.Parsed name = VersionName.parse(label).orElseThrow();
        keyObjects.createData(label, new VersionRecord(keyId, name.identity(), name.number(),
                state, KeyAlgorithm.EC_P256, usage, changed, changed).encode());
    }

    private static String lostRecord(String name, String successor) {
        return name + "@smimed.example/v1: a private key and certificate without a state"
                + " record, though " + name + "@smimed.example/" + successor + " was activated"
                + " since, which wrote one: its record was lost (a damaged token?); not served"
                + " and not repaired: restore the token from its backup";
    }

    /** Logs in to {@code created}, the token this test alone uses (see the fields). */
    private void open(SoftHsm.Token created) throws Exception {
        token = Pkcs11Token.login(Pkcs11Library.load(SoftHsm.LIBRARY), created.label(),
                created.pin().toCharArray());
        objects = new TokenObjects(token, random);
        keyObjects = new KeyObjects(token, random);
    }

    /** The problem named for {@code name}, with how to destroy it if it cannot be restored. */
    private static String lost(String name, String what, String certificateSha256) {
        return TokenReading.keyMissing(name, what) + "; if it cannot be restored, smimectl"
                + " destroy " + name + " --confirm " + certificateSha256 + " removes what is left";
    }

    /** A P-256 key pair labelled {@code label} with its certificate; returns its CKA_ID. */
    private static String certified(TokenObjects objects, OfficerCa ca, String label)
            throws Exception {
        TokenObjects.GeneratedKey key = objects.generate(label, KeyAlgorithm.EC_P256,
                KeyUsage.BOTH);
        objects.storeCertificate(key.id(), label, ca.issue(key.publicKey(),
                label.substring(0, label.indexOf('/')), true, true, Duration.ofDays(30)));
        return HexFormat.of().formatHex(key.id());
    }

    private static void active(TokenObjects objects, KeyObjects keyObjects, String identity,
                               int number, KeyUsage usage, Instant changed) throws Exception {
        String label = identity + "/v" + number;
        TokenObjects.GeneratedKey key = objects.generate(label, KeyAlgorithm.EC_P256, usage);
        keyObjects.createData(label, new VersionRecord(HexFormat.of().formatHex(key.id()),
                identity, number, KeyState.ACTIVE, KeyAlgorithm.EC_P256, usage, changed, changed)
                .encode());
    }

    private static VersionRecord record(String keyId, String identity, KeyState state) {
        Instant now = Instant.now();
        return new VersionRecord(keyId, identity, 1, state, KeyAlgorithm.EC_P256, KeyUsage.SIGN,
                now, now);
    }
}
