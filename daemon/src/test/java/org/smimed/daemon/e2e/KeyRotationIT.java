package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.IssuerAndSerialNumber;
import org.bouncycastle.asn1.smime.SMIMEAttributes;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cms.CMSSignedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignResponse;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.client.IdentityInfo;
import org.smimed.client.SmimeClient;
import org.smimed.daemon.Daemon;
import org.smimed.daemon.config.ConfigLoader;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.Smimectl;
import org.smimed.daemon.testing.Smimectl.Run;
import org.smimed.daemon.testing.TestDeployment;

/**
 * The whole rotation story with the real smimectl, the real daemon over TLS (client and admin
 * listeners) and SoftHSM2: generate, certify, activate, sign and receive; rotate; old mail
 * still decrypts; disable and destroy; old mail fails; restart; every state survives.
 */
class KeyRotationIT {
    private static final String ID = "rotation@smimed.example";
    private static final byte[] MAIL = "Content-Type: text/plain\r\n\r\nquarterly report\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path dir;
    private static Path config;
    private static Daemon daemon;
    private static ManagedChannel channel;
    private static OfficerCa ca;

    @BeforeAll
    static void start() throws Exception {
        config = TestDeployment.provisionedConfig(dir, "rotation");
        TestDeployment.addConfig(config, "admin: {listen: {address: 127.0.0.1, port: 0}}");
        ca = OfficerCa.create(Clock.systemUTC());
        startDaemon();
    }

    private static void startDaemon() throws Exception {
        daemon = Daemon.start(new ConfigLoader().load(config), System::getenv, Clock.systemUTC());
        channel = org.smimed.client.Channels.tls("localhost:" + daemon.port(),
                dir.resolve("pki/ca.crt"), dir.resolve("pki/client.crt"),
                dir.resolve("pki/client.key"));
    }

    private static void stopDaemon() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        daemon.close();
    }

    @AfterAll
    static void stop() throws Exception {
        stopDaemon();
    }

    @Test
    void rotation_keepsOldMailReadableUntilDestroyed_andSurvivesRestart() throws Exception {
        assertThat(ctl("generate", ID, "--alg", "rsa2048", "--usage", "both").out())
                .isEqualTo(ID + "/v1  PENDING  rsa2048  both\n");
        assertThatThrownBy(KeyRotationIT::sign).as("PENDING is not served")
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
                        e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        Run early = ctl("activate", ID + "/v1");
        assertThat(early.exit()).isEqualTo(1);
        assertThat(early.daemonError()).isEqualTo("smimectl: " + ID + "/v1 is PENDING without a"
                + " certificate: create a CSR, have it certified, import-cert, then activate"
                + " (FAILED_PRECONDITION)\n");
        ctlOk("csr", ID + "/v1", "--subject", "CN=Rotation,O=smimed test", "--out",
                dir.resolve("v1.csr").toString());
        // As RFC 4514 (and list) writes names: given back as given, not reversed.
        assertThat(new javax.security.auth.x500.X500Principal(csrSubject(dir.resolve("v1.csr"))
                .getEncoded()).getName()).isEqualTo("CN=Rotation,O=smimed test");
        X509Certificate v1 = certify("v1");
        assertThat(ctlOk("activate", ID + "/v1")).isEqualTo(ID + "/v1  ACTIVE  rsa2048  both\n");

        SignResponse signedByV1 = sign();
        assertThat(signedByV1.getKeyVersion()).isEqualTo(ID + "/v1");
        assertThat(signedByV1.getCertificate().toByteArray()).isEqualTo(v1.getEncoded());
        byte[] mailToV1 = encryptTo(v1);
        assertThat(DecryptCall.decrypt(channel, null, mailToV1, 4096).plaintext()).isEqualTo(MAIL);

        Run rotate = ctl("rotate", ID, "--out", dir.resolve("v2.csr").toString());
        assertThat(rotate.out()).isEqualTo(ID + "/v2  PENDING  rsa2048  both\n");
        assertThat(rotate.err()).as("said once, on stdout").isEmpty();
        assertThat(csrSubject(dir.resolve("v2.csr"))).as("the holder named as v1's certificate"
                + " names it, encoding and all").isEqualTo(
                X500Name.getInstance(v1.getSubjectX500Principal().getEncoded()));
        X509Certificate v2 = certify("v2");
        ctlOk("activate", ID + "/v2");

        SignResponse signedByV2 = sign();
        assertThat(signedByV2.getKeyVersion()).isEqualTo(ID + "/v2");
        assertThat(signedByV2.getCertificate().toByteArray()).isEqualTo(v2.getEncoded());
        assertThat(state("v1")).isEqualTo("DECRYPT_ONLY");
        DecryptCall.Answer old = DecryptCall.decrypt(channel, null, mailToV1, 4096);
        assertThat(old.plaintext()).isEqualTo(MAIL);
        assertThat(old.result().getKeyVersion()).isEqualTo(ID + "/v1");

        // Disabling is final, so it is confirmed as a destroy is (an officer trial disabled
        // the only key of an identity with one mistyped version number).
        assertThat(ctl("disable", ID + "/v1", "--confirm", fingerprint("v2")).daemonError())
                .isEqualTo("smimectl: the confirmation fingerprint does not match " + ID
                        + "/v1 (give the SHA-256 fingerprint shown by list) (INVALID_ARGUMENT)\n");
        assertThat(state("v1")).isEqualTo("DECRYPT_ONLY");
        ctlOk("disable", ID + "/v1", "--confirm", fingerprint("v1"));
        Run wrong = ctl("destroy", ID + "/v1", "--confirm", "ab".repeat(32));
        assertThat(wrong.daemonError()).isEqualTo("smimectl: the confirmation fingerprint does not"
                + " match " + ID + "/v1 (give the SHA-256 fingerprint shown by list)"
                + " (INVALID_ARGUMENT)\n");
        assertThat(ctlOk("destroy", ID + "/v1", "--confirm", fingerprint("v1")))
                .isEqualTo(ID + "/v1  DESTROYED  rsa2048  both\n");
        assertThatThrownBy(() -> DecryptCall.decrypt(channel, null, mailToV1, 4096))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("decryption failed");
                });

        String before = ctlOk("list", "--json");
        stopDaemon();
        startDaemon();
        assertThat(daemon.repairs()).isEmpty();
        assertThat(ctlOk("list", "--json")).isEqualTo(before);
        assertThat(sign().getKeyVersion()).isEqualTo(ID + "/v2");
        assertThat(DecryptCall.decrypt(channel, null, encryptTo(v2), 4096).plaintext())
                .isEqualTo(MAIL);
        assertThatThrownBy(() -> DecryptCall.decrypt(channel, null, mailToV1, 4096))
                .isInstanceOf(StatusRuntimeException.class);
        assertThat(sign(TestDeployment.RSA).getKeyVersion()).as("legacy key still signs")
                .isEqualTo(TestDeployment.RSA + "/v1");
    }

    /**
     * RFC 8551 section 2.5.3: an identity that signs with one key and decrypts with another
     * keeps both ACTIVE, names the encryption certificate in every signature
     * (SMIMEEncryptionKeyPreference, the certificate included) and in its directory entry, and
     * mail encrypted to that certificate decrypts.
     */
    @Test
    void separateSigningAndEncryptionKeys_signaturesNameTheEncryptionCertificate()
            throws Exception {
        String id = "split@smimed.example";
        X509Certificate signing = activateP256Signer(id, "split");
        CliRunner.Run nowhere = CliRunner.run(MAIL, smime("encrypt", "--recipient-identity", id));
        assertThat(nowhere.exit()).isEqualTo(1);
        assertThat(nowhere.stderr()).isEqualTo("smime: recipient identity " + id + " has no key"
                + " that mail may be encrypted to (no ACTIVE decrypting version with a valid"
                + " certificate)\n");
        ctlOk("generate", id, "--alg", "rsa2048", "--usage", "encrypt");
        byte[] spki = Base64.getMimeDecoder().decode(ctlOk("public-key", id + "/v2")
                .replaceAll("-----[A-Z ]+-----", ""));
        X509Certificate encryption = ca.issue(KeyFactory.getInstance("RSA").generatePublic(
                new X509EncodedKeySpec(spki)), id, false, true, Duration.ofDays(90));
        ctlOk("import-cert", id + "/v2", ca.writeChain(dir.resolve("split-2.pem"), encryption)
                .toString());
        ctlOk("activate", id + "/v2");

        assertThat(ctlOk("list", id)).contains(id + "/v1  ACTIVE", id + "/v2  ACTIVE");
        SignResponse signed = SigningServiceGrpc.newBlockingStub(channel).sign(SignRequest
                .newBuilder().setIdentity(id).setContent(ByteString.copyFrom(MAIL))
                .setEncapsulate(true).build());
        assertThat(signed.getKeyVersion()).isEqualTo(id + "/v1");
        CMSSignedData cms = new CMSSignedData(signed.getSignedData().toByteArray());
        Attribute preference = cms.getSignerInfos().getSigners().iterator().next()
                .getSignedAttributes().get(SMIMEAttributes.encrypKeyPref);
        assertThat(preference).as("SMIMEEncryptionKeyPreference").isNotNull();
        assertThat(preference.getAttrValues().getObjectAt(0).toASN1Primitive())
                .isEqualTo(new DERTaggedObject(false, 0, new IssuerAndSerialNumber(
                        new JcaX509CertificateHolder(encryption).toASN1Structure())));
        assertThat(cms.getCertificates().getMatches(null)).contains(
                new JcaX509CertificateHolder(encryption), new JcaX509CertificateHolder(signing));
        Path work = Files.createTempDirectory(dir, "split");
        Files.write(work.resolve("signed.der"), signed.getSignedData().toByteArray());
        Files.write(work.resolve("ca.pem"), pem(ca.certificate()));
        Processes.Result verified = Processes.run(List.of("openssl", "cms", "-verify",
                "-inform", "DER", "-in", "signed.der", "-CAfile", "ca.pem", "-out", "out.txt"),
                work);
        assertThat(verified.exitCode()).as(verified.stderr()).isZero();

        IdentityInfo entry = new SmimeClient(channel).getIdentity(id);
        assertThat(entry.keyVersion()).isEqualTo(id + "/v1");
        assertThat(entry.signs()).isTrue();
        assertThat(entry.encryptionCertificateChain().get(0)).isEqualTo(encryption.getEncoded());
        DecryptCall.Answer answer = DecryptCall.decrypt(channel, null, encryptTo(encryption),
                4096);
        assertThat(answer.plaintext()).isEqualTo(MAIL);
        assertThat(answer.result().getKeyVersion()).isEqualTo(id + "/v2");
        CliRunner.Run encrypted = CliRunner.run(MAIL, smime("encrypt", "--recipient-identity",
                id));
        assertThat(encrypted.exit()).as(encrypted.stderr()).isZero();
        CliRunner.Run decrypted = CliRunner.run(encrypted.stdout(), smime("decrypt"));
        assertThat(decrypted.exit()).as(decrypted.stderr()).isZero();
        assertThat(decrypted.stdoutText()).contains("quarterly report");
    }

    /** A disabled signer stays listed (its identity known) but no longer as one that signs. */
    @Test
    void disabledSigner_isListedAsNotSigning() throws Exception {
        String id = "paused@smimed.example";
        X509Certificate cert = activateP256Signer(id, "paused");
        SmimeClient directory = new SmimeClient(channel);
        assertThat(directory.getIdentity(id).signs()).isTrue();

        ctlOk("disable", id + "/v1", "--confirm",
                officer().field(id + "/v1", "fingerprint"));

        IdentityInfo entry = directory.getIdentity(id);
        assertThat(entry.signs()).isFalse();
        assertThat(entry.keyVersion()).isEqualTo(id + "/v1");
        assertThat(entry.certificateChain().get(0)).isEqualTo(cert.getEncoded());
        // Found by an outside trial: the refusal listed guesses; now it names the state.
        assertThatThrownBy(() -> sign(id)).isInstanceOfSatisfying(
                StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode())
                            .isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).isEqualTo("identity '" + id
                            + "' has no key that may sign now: " + id + "/v1 is DISABLED"
                            + " (an officer activates a version that signs; smimectl rotate"
                            + " makes one)");
                });
    }

    /**
     * An officer trial: an identity whose one version is an archive import (usage encrypt)
     * rotated with --usage both was told there was no version to rotate from; the README says
     * it makes a key that does both, of the archive key's algorithm.
     */
    @Test
    void archiveOnlyIdentity_rotatesWithUsageBoth_intoAKeyOfItsAlgorithm() throws Exception {
        String id = "archive-rotate@smimed.example";
        Path p12 = ca.writePkcs12(dir.resolve("archive-rotate.p12"), id, "archive-pw");
        ctlOk("import-pkcs12", id, p12.toString(), "--password-file", Smimectl.passwordFile(
                dir.resolve("archive-rotate.pw"), "archive-pw").toString(), "--archive");

        assertThat(ctlOk("rotate", id, "--usage", "both", "--out",
                dir.resolve("archive-rotate.csr").toString()))
                .isEqualTo(id + "/v2  PENDING  p256  both\n");
    }

    /**
     * Found by an officer trial: an abandoned PENDING version made with another algorithm
     * turned the rotation of an ACTIVE P-256 key into an RSA one; and a --out in a directory
     * that does not exist was refused only after the new version was made.
     */
    @Test
    void rotate_takesTheActiveVersionsAlgorithm_andChecksOutBeforeMakingAKey() throws Exception {
        String id = "abandoned@smimed.example";
        activateP256Signer(id, "abandoned");
        ctlOk("generate", id, "--alg", "rsa2048", "--usage", "sign");

        Run nowhere = ctl("rotate", id, "--out", dir.resolve("missing/v3.csr").toString());
        assertThat(nowhere.exit()).isEqualTo(2);
        assertThat(nowhere.err()).contains("--out " + dir.resolve("missing/v3.csr")
                + " is in a directory that does not exist");
        assertThat(ctlOk("list", id)).doesNotContain(id + "/v3");

        Run rotated = ctl("rotate", id, "--out", dir.resolve("abandoned-3.csr").toString());
        assertThat(rotated.exit()).as(rotated.err()).isZero();
        assertThat(rotated.out()).isEqualTo(id + "/v3  PENDING  p256  sign\n");
    }

    /**
     * {@code id}/v1 as an officer makes a signing-only key: generated in the token, its CSR
     * (written to standard output) certified by the test CA, imported and activated.
     */
    private static X509Certificate activateP256Signer(String id, String name) throws Exception {
        ctlOk("generate", id, "--alg", "p256", "--usage", "sign");
        // "--out -" is standard output, as for smime.
        Files.writeString(dir.resolve(name + ".csr"), ctlOk("csr", id + "/v1", "--subject",
                "CN=" + name + ",O=smimed test", "--out", "-"));
        X509Certificate cert = ca.issue(dir.resolve(name + ".csr"), id, true, false,
                Duration.ofDays(90));
        ctlOk("import-cert", id + "/v1", ca.writeChain(dir.resolve(name + "-1.pem"), cert)
                .toString());
        ctlOk("activate", id + "/v1");
        return cert;
    }

    /** The smime CLI's arguments for {@code command} against the daemon, as the test client. */
    private static String[] smime(String command, String... args) {
        return CliRunner.against(daemon.port(), dir.resolve("pki/ca.crt"),
                dir.resolve("pki/client.crt"), dir.resolve("pki/client.key"), command, args);
    }

    private static X500Name csrSubject(Path csrPem) throws Exception {
        try (var pem = new org.bouncycastle.openssl.PEMParser(Files.newBufferedReader(csrPem))) {
            return ((org.bouncycastle.pkcs.PKCS10CertificationRequest) pem.readObject())
                    .getSubject();
        }
    }

    private static X509Certificate certify(String version) throws Exception {
        X509Certificate cert = ca.issue(dir.resolve(version + ".csr"), ID, true, true,
                Duration.ofDays(90));
        Path chain = ca.writeChain(dir.resolve(version + "-chain.pem"), cert);
        assertThat(ctlOk("import-cert", ID + "/" + version, chain.toString()))
                .isEqualTo(ID + "/" + version + "  PENDING  rsa2048  both\n");
        return cert;
    }

    private static byte[] pem(X509Certificate certificate) throws Exception {
        return ("-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static SignResponse sign() {
        return sign(ID);
    }

    private static SignResponse sign(String identity) {
        return SigningServiceGrpc.newBlockingStub(channel).sign(SignRequest.newBuilder()
                .setIdentity(identity).setContent(ByteString.copyFrom(MAIL)).build());
    }

    private static byte[] encryptTo(X509Certificate recipient) throws Exception {
        Path work = Files.createTempDirectory(dir, "enc");
        Files.write(work.resolve("cert.der"), recipient.getEncoded());
        Processes.check(List.of("openssl", "x509", "-inform", "DER", "-in", "cert.der",
                "-out", "cert.pem"), work);
        Files.write(work.resolve("mail.txt"), MAIL);
        Processes.check(List.of("openssl", "cms", "-encrypt", "-binary", "-aes-256-gcm",
                "-in", "mail.txt", "-outform", "DER", "-out", "mail.der", "cert.pem"), work);
        return Files.readAllBytes(work.resolve("mail.der"));
    }

    private static String state(String version) {
        return officer().field(ID + "/" + version, "state");
    }

    private static String fingerprint(String version) {
        return officer().field(ID + "/" + version, "fingerprint");
    }

    private static String ctlOk(String... args) {
        return officer().ok(args);
    }

    private static Run ctl(String... args) {
        return officer().run(args);
    }

    /** smimectl as the demo officer, at the admin listener. */
    private static Smimectl officer() {
        return Smimectl.demoOfficer(dir, "localhost:" + daemon.adminPort());
    }
}
