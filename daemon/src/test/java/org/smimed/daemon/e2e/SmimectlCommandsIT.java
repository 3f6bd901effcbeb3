package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.Daemon;
import org.smimed.daemon.config.ConfigLoader;
import org.smimed.daemon.testing.AuditRecords;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.Smimectl;
import org.smimed.daemon.testing.Smimectl.Run;
import org.smimed.daemon.testing.TestDeployment;

/**
 * smimectl's commands one by one against a real daemon's admin listener: what each prints,
 * refuses and exits with (the rotation story as a whole is KeyRotationIT).
 */
class SmimectlCommandsIT {
    @TempDir
    static Path dir;
    private static Daemon daemon;

    @BeforeAll
    static void start() throws Exception {
        Path config = TestDeployment.provisionedConfig(dir, "smimectl");
        // The demo CA is the only root imported certificates may chain to.
        TestDeployment.addConfig(config, "admin: {listen: {address: 127.0.0.1, port: 0},"
                + " certificateRoots: " + dir.resolve("pki/ca.crt") + "}");
        daemon = Daemon.start(new ConfigLoader().load(config), System::getenv, Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    @Test
    void generate_ed25519ForDecryption_isRefused() {
        Run r = ctl("generate", "later@smimed.example", "--alg", "ed25519", "--usage", "both");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.daemonError()).isEqualTo("smimectl: an Ed25519 key only signs: use usage sign"
                + " (INVALID_ARGUMENT)\n");
    }

    /** P-521 keys were only importable and listed as "unspecified" (found by an outside trial). */
    @Test
    void generate_p521_isListedAsP521() {
        assertThat(ctlOk("generate", "p521@smimed.example", "--alg", "p521", "--usage", "both"))
                .isEqualTo("p521@smimed.example/v1  PENDING  p521  both\n");
        assertThat(ctlOk("list", "p521@smimed.example", "--json"))
                .contains("\"algorithm\": \"p521\"");
    }

    /** The new version was printed twice (found by an outside trial); stdout is the CSR's. */
    @Test
    void rotate_withTheCsrOnStandardOutput_namesTheVersionOnceOnStandardError() {
        String id = "rotate-stdout@smimed.example";
        ctlOk("generate", id, "--alg", "p256", "--usage", "sign");

        Run r = ctl("rotate", id, "--out", "-");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("-----BEGIN CERTIFICATE REQUEST-----")
                .endsWith("-----END CERTIFICATE REQUEST-----\n");
        assertThat(r.err()).isEqualTo("smimectl: generated " + id + "/v2  PENDING  p256  sign\n");
    }

    /**
     * Found by an outside trial: rotating an X25519 identity made v2 and then failed (exit 1)
     * on the request an X25519 key cannot sign; and an identity with separate signing and
     * encryption keys was rotated on whichever key was made last.
     */
    @Test
    void rotate_x25519WritesThePublicKey_andSeparateKeysNeedUsage() throws Exception {
        String id = "split-keys@smimed.example";
        ctlOk("generate", id, "--alg", "ed25519", "--usage", "sign");
        ctlOk("generate", id, "--alg", "x25519", "--usage", "encrypt");

        Run ambiguous = ctl("rotate", id);
        assertThat(ambiguous.exit()).isEqualTo(2);
        assertThat(ambiguous.err()).contains("has keys for different uses (" + id
                + "/v1 sign ed25519, " + id + "/v2 encrypt x25519): say which to rotate with"
                + " --usage sign or --usage encrypt");
        assertThat(ctlOk("list", id)).doesNotContain(id + "/v3");

        Path pem = dir.resolve("split-v3.pub.pem");
        Run rotated = ctl("rotate", id, "--usage", "encrypt", "--out", pem.toString());
        assertThat(rotated.exit()).as(rotated.err()).isZero();
        assertThat(rotated.out()).isEqualTo(id + "/v3  PENDING  x25519  encrypt\n");
        assertThat(rotated.err()).contains("an X25519 key cannot sign a certificate request");
        assertThat(Files.readString(pem)).startsWith("-----BEGIN PUBLIC KEY-----\n")
                .endsWith("-----END PUBLIC KEY-----\n")
                .isEqualTo(ctlOk("public-key", id + "/v3"));
    }

    /** An officer trial: a subject with a line break became a forged line in list. */
    @Test
    void csrWithALineBreakInItsSubject_isRefused() throws Exception {
        String id = "line-break@smimed.example";
        assertThat(ctl("generate", id, "--alg", "p256", "--usage", "sign").exit()).isZero();

        Run csr = ctl("csr", id + "/v1", "--subject",
                "CN=x\nevil@smimed.example/v1  ACTIVE  rsa4096  both  CN=Fake", "--out", "-");

        assertThat(csr.exit()).isEqualTo(1);
        // (smimectl prints the daemon's message on one line, runs of blanks as one.)
        assertThat(csr.err()).contains("subject 'CN=x?evil@smimed.example/v1 ACTIVE rsa4096"
                + " both CN=Fake' has control characters (a line break?)");
    }

    /** A security trial's 100,000-character CN went into a request no CA would sign. */
    @Test
    void csrWithASubjectPastRfc5280sBounds_isRefused_atTheBoundItIsMade() throws Exception {
        String id = "long-cn@smimed.example";
        ctlOk("generate", id, "--alg", "p256", "--usage", "sign");

        Run tooLong = ctl("csr", id + "/v1", "--subject", "CN=" + "a".repeat(65), "--out", "-");

        assertThat(tooLong.exit()).isEqualTo(1);
        assertThat(tooLong.err()).contains("subject attribute CN has 65 characters; RFC 5280"
                + " allows at most 64");
        assertThat(ctl("csr", id + "/v1", "--subject", "CN=x,STREET=" + "b".repeat(257),
                "--out", "-").err()).contains("subject attribute STREET has 257 characters;"
                        + " smimed allows at most 256");
        assertThat(ctl("csr", id + "/v1", "--subject", "CN=#0403616263", "--out", "-").err())
                .contains("subject attribute CN is not text");
        assertThat(ctlOk("csr", id + "/v1", "--subject", "CN=" + "a".repeat(64) + ",O=x",
                "--out", "-")).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
    }

    /**
     * Found by a security trial: an encryption-only RSA key has no CKA_SIGN, and its request
     * ended INTERNAL, in rotate after the key was made; the public key goes to the CA instead.
     */
    @Test
    void encryptionOnlyRsaKey_csrIsRefusedSayingWhy_rotateWritesThePublicKey() throws Exception {
        String id = "enc-only@smimed.example";
        ctlOk("generate", id, "--alg", "rsa2048", "--usage", "encrypt");

        Run csr = ctl("csr", id + "/v1", "--out", dir.resolve("enc-only.csr").toString());
        assertThat(csr.exit()).isEqualTo(1);
        assertThat(csr.err()).contains(id + "/v1 is an encryption-only key (usage encrypt),"
                + " which cannot sign a certificate request: have the CA certify its public key"
                + " (smimectl public-key)").contains("INVALID_ARGUMENT");

        Path pem = dir.resolve("enc-only-v2.pub.pem");
        Run rotated = ctl("rotate", id, "--out", pem.toString());
        assertThat(rotated.exit()).as(rotated.err()).isZero();
        assertThat(rotated.out()).isEqualTo(id + "/v2  PENDING  rsa2048  encrypt\n");
        assertThat(rotated.err()).contains("an encryption-only key cannot sign a certificate"
                + " request").contains("keyEncipherment");
        assertThat(Files.readString(pem)).isEqualTo(ctlOk("public-key", id + "/v2"));
    }

    /** A key that does both, rotated into a signing key only (found in review). */
    @Test
    void rotate_aKeyForBothIntoASigningKey_takesItsAlgorithm() {
        String id = "both-then-sign@smimed.example";
        ctlOk("generate", id, "--alg", "p384", "--usage", "both");

        Run r = ctl("rotate", id, "--usage", "sign", "--out", dir.resolve("bts.csr").toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(id + "/v2  PENDING  p384  sign\n");
    }

    /** Listed with the SHA-256 of empty input (found by an outside trial). */
    @Test
    void destroyedVersion_isListedWithoutAFingerprint() {
        String id = "gone@smimed.example";
        ctlOk("generate", id, "--alg", "p256", "--usage", "sign");
        Matcher m = Pattern.compile("\"fingerprint\": \"([0-9a-f]{64})\"")
                .matcher(ctlOk("list", id, "--json"));
        assertThat(m.find()).isTrue();
        ctlOk("disable", id + "/v1", "--confirm", m.group(1));
        ctlOk("destroy", id + "/v1", "--confirm", m.group(1));

        assertThat(ctlOk("list", id))
                .isEqualTo(id + "/v1  DESTROYED  p256  sign  no certificate\n");
        assertThat(ctlOk("list", id, "--json")).contains("\"fingerprint\": \"\"")
                .contains("\"daysLeft\": null");
    }

    /**
     * Found by an outside trial: {@code disable Billing@Firm.Example/v3} was NOT_FOUND though
     * list and Sign find identities in any case, and the audit records of CreateCsr and of
     * failed officer calls had no identity, so one filter on it missed them.
     */
    @Test
    void versionsNamedInAnyCase_areFound_andAuditedUnderTheIdentityInLowerCase()
            throws Exception {
        String id = "case@smimed.example";
        ctlOk("generate", id, "--alg", "p256", "--usage", "sign");
        ctlOk("csr", "Case@SMIMED.example/v1", "--subject", "CN=Case",
                "--out", dir.resolve("case.csr").toString());
        assertThat(ctl("destroy", "CASE@smimed.example/v1", "--confirm", "00".repeat(32))
                .exit()).isEqualTo(1);
        ctlOk("disable", "Case@Smimed.Example/v1", "--confirm",
                officer().field(id + "/v1", "fingerprint"));

        assertThat(ctlOk("list", id)).startsWith(id + "/v1  DISABLED");
        for (String call : List.of("CreateCsr", "Destroy", "Disable")) {
            assertThat(AuditRecords.read(dir.resolve("audit.log")))
                    .filteredOn(r -> r.get("method").endsWith("/" + call)
                            && r.get("keyVersion").equals(id + "/v1"))
                    .as(call).isNotEmpty()
                    // A change (Destroy, Disable) has its STARTED record too, named the same.
                    .allSatisfy(r -> assertThat(r.get("identity")).isEqualTo(id))
                    .filteredOn(r -> !r.get("outcome").equals("STARTED")).hasSize(1);
        }
    }

    /**
     * What an auditor asks to see for "keys never leave the token", read from the token's
     * PKCS#11 attributes, without the user PIN or a PKCS#11 tool (an outside trial needed
     * both).
     */
    @Test
    void list_showsHowTheTokenProtectsEachKey() {
        String id = "kept@smimed.example";
        ctlOk("generate", id, "--alg", "p256", "--usage", "sign");

        assertThat(ctlOk("list", id)).isEqualTo(id + "/v1  PENDING  p256  sign  no certificate"
                + "  sha256 " + officer().listed(id + "/v1", "fingerprint").orElseThrow()
                + "  key: never left the token (sensitive, never extractable), usages fixed\n");
        assertThat(ctlOk("list", id, "--json")).contains("\"keyProtection\": {\"sensitive\":"
                + " true, \"extractable\": false, \"alwaysSensitive\": true,"
                + " \"neverExtractable\": true, \"modifiable\": false, \"copyable\": false}");
    }

    /** admin.certificateRoots, wired through the daemon to every certificate import. */
    @Test
    void importCert_fromACaOutsideTheConfiguredRoots_isRefused() throws Exception {
        String id = "rooted@smimed.example";
        ctlOk("generate", id, "--alg", "p256", "--usage", "sign");
        Path csr = dir.resolve("rooted.csr");
        ctlOk("csr", id + "/v1", "--subject", "CN=Rooted", "--out", csr.toString());
        OfficerCa rogue = OfficerCa.create(Clock.systemUTC());
        Path chain = rogue.writeChain(dir.resolve("rooted-chain.pem"),
                rogue.issue(csr, id, true, false, Duration.ofDays(30)));

        Run r = ctl("import-cert", id + "/v1", chain.toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("the chain ends at '", "and no CA certificate this daemon"
                + " accepts certifies it (admin.certificateRoots: '");
        assertThat(ctlOk("list", id)).startsWith(id + "/v1  PENDING");
    }

    /** Found by an outside trial: nothing printed and exit 0 read as "listed". */
    @Test
    void list_ofAnIdentityWithoutVersions_saysSo() {
        Run r = ctl("list", "nobody@smimed.example");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("smimectl: no key versions for identity"
                + " 'nobody@smimed.example'\n");
    }

    @Test
    void adminService_isNotServedOnTheClientPort() {
        Run r = officer("localhost:" + daemon.port()).run("list");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.daemonError()).isEqualTo("smimectl: method not found:"
                + " smimed.v1.KeyAdminService/ListKeys (UNIMPLEMENTED); is --target the"
                + " daemon's admin port (admin.listen)? key administration is not served on"
                + " the client port\n");
    }

    private static String ctlOk(String... args) {
        return officer().ok(args);
    }

    /**
     * A change refused to a caller who is no officer is refused before its request is read:
     * one DENIED record naming the caller and method, no target and no STARTED record (an
     * auditor trial asked for the target; a review found that reading the request first let a
     * refused call hang or write a STARTED record, so nothing of it is read).
     */
    @Test
    void aChangeRefusedToANonOfficer_isOneDeniedRecord_andReadsNothing() throws Exception {
        String version = TestDeployment.RSA + "/v1";
        Run r = Smimectl.demoService(dir, "localhost:" + daemon.adminPort())
                .run("disable", version, "--confirm", "00".repeat(32));

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.daemonError()).contains("only security officers may use this service");
        assertThat(AuditRecords.read(dir.resolve("audit.log")))
                .filteredOn(rec -> rec.get("method").endsWith("/Disable")
                        && rec.get("caller").contains("CN=smimed demo client"))
                .singleElement().satisfies(rec -> {
                    assertThat(rec).containsEntry("outcome", "DENIED")
                            .containsEntry("keyVersion", "").containsEntry("identity", "");
                    assertThat(rec.get("inputSha256")).isEqualTo(
                            org.smimed.daemon.keys.CertificateSummary.sha256(new byte[0]));
                });
        assertThat(ctl("list", TestDeployment.RSA).out()).contains(version + "  ACTIVE");
    }

    private static Run ctl(String... args) {
        return officer().run(args);
    }

    /** smimectl as the demo officer, at the admin listener. */
    private static Smimectl officer() {
        return officer("localhost:" + daemon.adminPort());
    }

    /** smimectl as the demo officer, at {@code target}. */
    private static Smimectl officer(String target) {
        return Smimectl.demoOfficer(dir, target);
    }
}
