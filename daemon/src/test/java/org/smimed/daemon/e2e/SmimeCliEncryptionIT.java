package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smimed.daemon.testing.TestDeployment.EC;
import static org.smimed.daemon.testing.TestDeployment.RSA;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bouncycastle.asn1.cms.AuthEnvelopedData;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.cms.CMSAlgorithm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.smimed.client.mime.EncryptedMessageReader;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.TestDeployment;

/**
 * {@code smime encrypt} with OAEP, ChaCha20-Poly1305 and ciphers chosen from the daemon's
 * directory, and {@code smime triple-wrap}/{@code smime open}, against the real daemon over
 * TLS with keys in SoftHSM2; OpenSSL checks the outer signature of a triple-wrapped message.
 */
class SmimeCliEncryptionIT {
    private static final byte[] MAIL = ("From: " + RSA + "\nTo: " + EC + "\nSubject: payroll\n"
            + "Content-Type: text/plain; charset=us-ascii\n\nSalaries attached.\nLine 2\n")
            .getBytes(StandardCharsets.US_ASCII);
    /** The inner entity of {@link #MAIL}, canonical (CRLF), as every layer protects it. */
    private static final String ENTITY = "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
            + "Salaries attached.\r\nLine 2\r\n";

    @TempDir
    static Path dir;
    private static TestDeployment deployment;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @ParameterizedTest(name = "oaep {0}")
    @ValueSource(strings = {"sha1", "sha256", "sha384", "sha512"})
    void encryptOaep_thenDecryptThroughTheDaemon_givesTheExactEntity(String hash)
            throws Exception {
        CliRunner.Run encrypted = CliRunner.run(MAIL, "encrypt", "--recipient",
                deployment.certificate(RSA).toString(), "--rsa-padding", "oaep",
                "--oaep-hash", hash);
        assertThat(encrypted.exit()).as(encrypted.stderr()).isZero();

        assertThat(decrypt(encrypted.stdout(), RSA)).isEqualTo(ENTITY);
    }

    @Test
    void encryptChaCha20Poly1305_thenDecryptThroughTheDaemon_givesTheExactEntity()
            throws Exception {
        CliRunner.Run encrypted = CliRunner.run(MAIL, "encrypt", "--recipient",
                deployment.certificate(EC).toString(), "--cipher", "chacha20-poly1305");
        assertThat(encrypted.exit()).as(encrypted.stderr()).isZero();

        assertThat(contentEncryptionOid(encrypted.stdout()))
                .isEqualTo(CMSAlgorithm.ChaCha20Poly1305.getId());
        assertThat(decrypt(encrypted.stdout(), EC)).isEqualTo(ENTITY);
    }

    @Test
    void encryptToRecipientIdentity_takesCertificateAndCipherFromTheDirectory() throws Exception {
        CliRunner.Run encrypted = CliRunner.run(MAIL, daemonCommand("encrypt",
                "--recipient-identity", RSA, "--recipient-identity", EC));
        assertThat(encrypted.exit()).as(encrypted.stderr()).isZero();
        assertThat(encrypted.stderr()).isEmpty();

        // The daemon announces AES-256-GCM first (SmimeCapabilities), so that is the choice.
        assertThat(contentEncryptionOid(encrypted.stdout()))
                .isEqualTo(CMSAlgorithm.AES256_GCM.getId());
        assertThat(decrypt(encrypted.stdout(), RSA)).isEqualTo(ENTITY);
        assertThat(decrypt(encrypted.stdout(), EC)).isEqualTo(ENTITY);
    }

    @Test
    void encryptWithCapabilitiesFromDaemon_looksUpTheCertificatesAddress() throws Exception {
        CliRunner.Run encrypted = CliRunner.run(MAIL, daemonCommand("encrypt",
                "--recipient", deployment.certificate(EC).toString(),
                "--capabilities-from-daemon"));
        assertThat(encrypted.exit()).as(encrypted.stderr()).isZero();

        assertThat(contentEncryptionOid(encrypted.stdout()))
                .isEqualTo(CMSAlgorithm.AES256_GCM.getId());
        assertThat(decrypt(encrypted.stdout(), EC)).isEqualTo(ENTITY);
    }

    /**
     * OAEP follows what the daemon announces for the very key in the file: another RSA key
     * at the same address (a correspondent's own certificate) may sit with an agent that
     * reads only PKCS#1 v1.5 (a review of the automatic choice).
     */
    @Test
    void capabilitiesFromDaemon_chooseOaepOnlyForTheDaemonsOwnCertificate() throws Exception {
        CliRunner.Run own = CliRunner.run(MAIL, daemonCommand("encrypt", "--recipient",
                deployment.certificate(RSA).toString(), "--capabilities-from-daemon"));
        assertThat(own.exit()).as(own.stderr()).isZero();
        assertThat(keyTransportOid(own.stdout())).isEqualTo("1.2.840.113549.1.1.7");
        assertThat(decrypt(own.stdout(), RSA)).isEqualTo(ENTITY);

        Path foreign = dir.resolve("foreign-rsa.crt");
        Processes.check(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", dir.resolve("foreign-rsa.key").toString(), "-out",
                foreign.toString(), "-days", "30", "-subj", "/CN=elsewhere", "-addext",
                "subjectAltName=email:" + RSA, "-addext", "keyUsage=keyEncipherment"), dir);
        CliRunner.Run other = CliRunner.run(MAIL, daemonCommand("encrypt", "--recipient",
                foreign.toString(), "--capabilities-from-daemon"));
        assertThat(other.exit()).as(other.stderr()).isZero();
        assertThat(keyTransportOid(other.stdout())).isEqualTo("1.2.840.113549.1.1.1");
    }

    @Test
    void encryptToUnknownIdentity_failsWithOneLine() {
        CliRunner.Run run = CliRunner.run(MAIL, daemonCommand("encrypt",
                "--recipient-identity", "nobody@smimed.example"));

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).isEqualTo("smime: recipient identity nobody@smimed.example is"
                + " not known to the daemon\n");
    }

    @Test
    void tripleWrap_thenOpen_givesTheExactEntityWithBothSignaturesVerified() throws Exception {
        Path work = Files.createTempDirectory(dir, "triple");
        Path wrapped = tripleWrap(work);
        Path out = work.resolve("opened.txt");

        CliRunner.Run opened = CliRunner.run(new byte[0], daemonCommand("open",
                "--in", wrapped.toString(), "--out", out.toString(),
                "--trust", deployment.caCertificate().toString()));

        assertThat(opened.exit()).as(opened.stderr()).isZero();
        assertThat(Files.readString(out, StandardCharsets.US_ASCII)).isEqualTo(ENTITY);
        assertThat(opened.stderr().split("\n")).hasSize(3);
        assertThat(opened.stderr().split("\n")[0])
                .isEqualTo("layer 1: signed by " + RSA + " (verified)");
        assertThat(opened.stderr().split("\n")[1])
                .isEqualTo("layer 2: encrypted (AES-256-GCM), decrypted by " + EC + "/v1");
        assertThat(opened.stderr().split("\n")[2])
                .isEqualTo("layer 3: signed by " + RSA + " (verified)");
    }

    @Test
    void tripleWrap_outerSignatureVerifiesWithOpenSsl() throws Exception {
        Path work = Files.createTempDirectory(dir, "triple-openssl");
        Path wrapped = tripleWrap(work);
        Path enveloped = work.resolve("enveloped.eml");

        Processes.Result verified = Processes.run(List.of("openssl", "cms", "-verify",
                "-in", wrapped.toString(), "-CAfile", deployment.caCertificate().toString(),
                "-out", enveloped.toString()), work);

        assertThat(verified.exitCode()).as(verified.stderr()).isZero();
        assertThat(verified.stderr()).contains("Verification successful");
        assertThat(Files.readString(enveloped, StandardCharsets.US_ASCII))
                .startsWith("Content-Type: application/pkcs7-mime;"
                        + " smime-type=authEnveloped-data; name=smime.p7m\r\n");
    }

    @Test
    void tripleWrap_withSchemePss_signsBothLayersWithRsassaPss() throws Exception {
        Path work = Files.createTempDirectory(dir, "triple-pss");
        Path wrapped = tripleWrap(work, "--scheme", "pss");
        Path enveloped = work.resolve("enveloped.eml");
        Processes.Result outer = Processes.run(List.of("openssl", "cms", "-verify",
                "-in", wrapped.toString(), "-CAfile", deployment.caCertificate().toString(),
                "-out", enveloped.toString()), work);
        assertThat(outer.exitCode()).as(outer.stderr()).isZero();
        Path inner = Files.writeString(work.resolve("inner.eml"),
                decrypt(Files.readAllBytes(enveloped), EC), StandardCharsets.US_ASCII);

        assertThat(SmimeCliIT.signatureAlgorithms(work, wrapped)).containsExactly("rsassaPss");
        assertThat(SmimeCliIT.signatureAlgorithms(work, inner)).containsExactly("rsassaPss");
        CliRunner.Run opened = CliRunner.run(new byte[0], daemonCommand("open",
                "--in", wrapped.toString(), "--trust", deployment.caCertificate().toString()));
        assertThat(opened.exit()).as(opened.stderr()).isZero();
    }

    @Test
    void open_overTheLayerLimit_failsAndWritesNothing() throws Exception {
        Path work = Files.createTempDirectory(dir, "limit");
        Path wrapped = tripleWrap(work);
        Path out = work.resolve("opened.txt");

        CliRunner.Run opened = CliRunner.run(new byte[0], daemonCommand("open",
                "--in", wrapped.toString(), "--out", out.toString(), "--max-layers", "2",
                "--trust", deployment.caCertificate().toString()));

        assertThat(opened.exit()).isEqualTo(1);
        assertThat(opened.stderr()).startsWith("layer 1: signed by " + RSA + " (verified)\n")
                .endsWith("\nsmime: layer 3: more than 2 nested S/MIME layers\n")
                .hasLineCount(3);
        assertThat(out).doesNotExist();
    }

    /**
     * A saved encrypted .p7m as OpenSSL writes it: DER, PEM from openssl cms or openssl smime,
     * or bare base64 (PEM and base64 were refused, found by an outside trial).
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"decrypt, cms DER", "decrypt, cms PEM", "decrypt, smime PEM", "decrypt, base64",
        "open, cms DER", "open, cms PEM", "open, smime PEM", "open, base64"})
    void savedEnvelopedDataFromOpenSsl_isDecryptedByTheDaemon(String command, String form)
            throws Exception {
        Path work = Files.createTempDirectory(dir, "saved");
        Files.writeString(work.resolve("entity.txt"), ENTITY, StandardCharsets.US_ASCII);
        boolean base64 = form.equals("base64");
        Processes.check(List.of("openssl", base64 ? "cms" : form.split(" ")[0], "-encrypt",
                "-aes256", "-binary", "-in", "entity.txt", "-outform",
                base64 ? "DER" : form.split(" ")[1], "-out", "saved.der",
                deployment.certificate(RSA).toString()), work);
        if (base64) {
            Processes.check(List.of("openssl", "base64", "-in", "saved.der", "-out",
                    "saved.p7m"), work);
        } else {
            Files.move(work.resolve("saved.der"), work.resolve("saved.p7m"));
        }
        Path out = work.resolve("plain.txt");
        List<String> args = new java.util.ArrayList<>(List.of("--in",
                work.resolve("saved.p7m").toString(), "--out", out.toString()));
        if (command.equals("open")) {
            args.addAll(List.of("--trust", deployment.caCertificate().toString()));
        }

        CliRunner.Run run = CliRunner.run(new byte[0],
                daemonCommand(command, args.toArray(String[]::new)));

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(run.stderr()).isEqualTo(command.equals("open")
                ? "layer 1: encrypted (AES-256-CBC), decrypted by " + RSA + "/v1\n" : "");
        assertThat(Files.readString(out, StandardCharsets.US_ASCII)).isEqualTo(ENTITY);
    }

    /** Triple-wraps {@link #MAIL} as RSA to EC; returns the file. */
    private static Path tripleWrap(Path work, String... options) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--identity", RSA,
                "--recipient-identity", EC));
        args.addAll(List.of(options));
        CliRunner.Run wrapped = CliRunner.run(MAIL, daemonCommand("triple-wrap",
                args.toArray(String[]::new)));
        assertThat(wrapped.exit()).as(wrapped.stderr()).isZero();
        assertThat(wrapped.stderr()).isEmpty();
        assertThat(wrapped.stdoutText()).startsWith("From: " + RSA + "\r\n")
                .contains("multipart/signed").doesNotContain("Salaries");
        return Files.write(work.resolve("wrapped.eml"), wrapped.stdout());
    }

    /** Decrypts an encrypted message with {@code identity}'s key in the daemon. */
    private static String decrypt(byte[] message, String identity) throws Exception {
        Path work = Files.createTempDirectory(dir, "decrypt");
        Path in = Files.write(work.resolve("encrypted.eml"), message);
        Path out = work.resolve("decrypted.txt");
        CliRunner.Run run = CliRunner.run(new byte[0], daemonCommand("decrypt",
                "--identity", identity, "--in", in.toString(), "--out", out.toString()));
        assertThat(run.exit()).as(run.stderr()).isZero();
        return Files.readString(out, StandardCharsets.US_ASCII);
    }

    /** The content-encryption algorithm OID of an application/pkcs7-mime message. */
    private static String contentEncryptionOid(byte[] message) throws Exception {
        byte[] cms = EncryptedMessageReader.cmsStream(new ByteArrayInputStream(message))
                .readAllBytes();
        ContentInfo info = ContentInfo.getInstance(cms);
        return AuthEnvelopedData.getInstance(info.getContent()).getAuthEncryptedContentInfo()
                .getContentEncryptionAlgorithm().getAlgorithm().getId();
    }

    private static String keyTransportOid(byte[] message) throws Exception {
        byte[] cms = EncryptedMessageReader.cmsStream(new ByteArrayInputStream(message))
                .readAllBytes();
        var recipient = AuthEnvelopedData.getInstance(ContentInfo.getInstance(cms).getContent())
                .getRecipientInfos().getObjectAt(0);
        return org.bouncycastle.asn1.cms.KeyTransRecipientInfo.getInstance(
                org.bouncycastle.asn1.cms.RecipientInfo.getInstance(recipient).getInfo())
                .getKeyEncryptionAlgorithm().getAlgorithm().getId();
    }

    /** {@code command} aimed at the deployment's daemon, trusting only its CA. */
    private static String[] daemonCommand(String command, String... args) {
        return CliRunner.against(deployment.daemon().port(), deployment.caCertificate(),
                deployment.clientCertificate(), deployment.clientKey(), command, args);
    }
}
