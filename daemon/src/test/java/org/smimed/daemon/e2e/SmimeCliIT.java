package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smimed.daemon.testing.TestDeployment.RSA;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.TestDeployment;

/**
 * The {@code smime} CLI against the real daemon over TLS, with keys in SoftHSM2; its output
 * checked by OpenSSL and OpenSSL's output checked by it.
 */
class SmimeCliIT {
    private static final String BODY = "The numbers are attached.\n";
    /** Well-formed S/MIME around CMS that no key can decrypt. */
    /** An indefinite-length SEQUENCE of nothing: no length to check locally, so it is sent. */
    private static final byte[] GARBAGE = ("Content-Type: application/pkcs7-mime;"
            + " smime-type=enveloped-data\nContent-Transfer-Encoding: base64\n\nMIAAAAAAAAAA\n")
            .getBytes(StandardCharsets.US_ASCII);
    /** What MIME assumes for a body without Content-Type, made explicit, in CRLF form. */
    private static final String SIGNED_ENTITY =
            "Content-Type: text/plain; charset=us-ascii\r\n\r\nThe numbers are attached.\r\n";

    @TempDir
    static Path dir;
    private static TestDeployment deployment;
    private static OpenSslCa throwawayCa;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir);
        throwawayCa = OpenSslCa.create(dir.resolve("throwaway-ca"));
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "rsa-demo@smimed.example, ''",
        "rsa-demo@smimed.example, --encapsulate",
        "rsa-demo@smimed.example, --encapsulate --send-content --digest sha512",
        "ec-demo@smimed.example, ''",
        "ec-demo@smimed.example, --encapsulate",
        "ec-demo@smimed.example, --send-content",
    })
    void sign_thenVerify_roundTripsAndOpenSslAgrees(String identity, String options)
            throws Exception {
        Path work = Files.createTempDirectory(dir, "sign");
        List<String> args = new ArrayList<>(List.of("--identity", identity));
        if (!options.isBlank()) {
            args.addAll(Arrays.asList(options.split(" ")));
        }

        CliRunner.Run signed = CliRunner.run(message(identity), daemonCommand("sign", args));

        assertThat(signed.exit()).as(signed.stderr()).isZero();
        assertThat(signed.stderr()).isEmpty();
        assertThat(signed.stdoutText()).contains(options.contains("--encapsulate")
                ? "application/pkcs7-mime; smime-type=signed-data" : "multipart/signed");
        Path message = Files.write(work.resolve("signed.eml"), signed.stdout());
        Path content = work.resolve("content.txt");

        CliRunner.Run verified = CliRunner.run(new byte[0], "verify", "--in", message.toString(),
                "--trust", deployment.caCertificate().toString(), "--out", content.toString());

        assertThat(verified.exit()).as(verified.stderr()).isZero();
        assertThat(verified.stderr()).startsWith("Verified: signer " + identity + " (");
        assertThat(Files.readString(content)).isEqualTo(SIGNED_ENTITY);
        assertOpenSslVerifies(work, message);
    }

    /** The daemon made PSS signatures; smime sign could not ask (found by an outside trial). */
    @ParameterizedTest(name = "--scheme pss {0}")
    @CsvSource({"''", "--encapsulate", "--send-content"})
    void sign_withSchemePss_makesAnRsassaPssSignatureOpenSslVerifies(String options)
            throws Exception {
        Path work = Files.createTempDirectory(dir, "pss");
        List<String> args = new ArrayList<>(List.of("--identity", RSA, "--scheme", "pss"));
        if (!options.isBlank()) {
            args.add(options);
        }

        CliRunner.Run signed = CliRunner.run(message(RSA), daemonCommand("sign", args));

        assertThat(signed.exit()).as(signed.stderr()).isZero();
        Path message = Files.write(work.resolve("signed.eml"), signed.stdout());
        assertOpenSslVerifies(work, message);
        assertThat(signatureAlgorithms(work, message)).containsExactly("rsassaPss");
    }

    @Test
    void sign_withSchemePssForAnEcKey_isRefused() throws Exception {
        CliRunner.Run signed = CliRunner.run(message("ec-demo@smimed.example"), daemonCommand(
                "sign", List.of("--identity", "ec-demo@smimed.example", "--scheme", "pss")));

        assertThat(signed.exit()).isEqualTo(1);
        assertThat(signed.stderr()).startsWith("smime: signing failed (").hasLineCount(1);
        assertThat(signed.stdout()).isEmpty();
    }

    /**
     * From an outside trial: mail from ceo@ signed as billing@ was signed without a word and
     * then failed every sender check; the signer is told before sending.
     */
    @Test
    void sign_aFromOfAnotherAddress_isSignedWithAWarning() throws Exception {
        CliRunner.Run other = CliRunner.run(message("ceo@example.com"), daemonCommand("sign",
                List.of("--identity", "rsa-demo@smimed.example")));
        CliRunner.Run own = CliRunner.run(message("RSA-Demo@smimed.example"), daemonCommand(
                "sign", List.of("--identity", "rsa-demo@smimed.example")));

        assertThat(other.exit()).as(other.stderr()).isZero();
        assertThat(other.stderr()).isEqualTo("smime: warning: From ceo@example.com is not the"
                + " signing identity rsa-demo@smimed.example; a recipient that checks the sender"
                + " (smime verify, most mail programs) will reject the signature\n");
        assertThat(other.stdout()).isNotEmpty();
        assertThat(own.exit()).isZero();
        assertThat(own.stderr()).isEmpty();
    }

    /** A new-user trial: the sender warning came first, before the one error that matters. */
    @Test
    void sign_asAnUnknownIdentity_saysOnlyThat() throws Exception {
        CliRunner.Run run = CliRunner.run(message("ceo@example.com"), daemonCommand("sign",
                List.of("--identity", "nobody@smimed.example")));

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stderr()).startsWith("smime: signing failed (NOT_FOUND").hasLineCount(1);
    }

    /** The signature algorithm of every SignerInfo, as OpenSSL prints them. */
    static List<String> signatureAlgorithms(Path work, Path message) throws Exception {
        Processes.Result printed = Processes.run(List.of("openssl", "cms", "-cmsout", "-print",
                "-in", message.toString(), "-noout"), work);
        assertThat(printed.exitCode()).as(printed.stderr()).isZero();
        return java.util.regex.Pattern.compile("signatureAlgorithm:\\s*algorithm: (\\S+)")
                .matcher(printed.stdout()).results().map(m -> m.group(1)).toList();
    }

    @Test
    void sign_thenTamper_failsVerificationHereAndInOpenSsl() throws Exception {
        Path work = Files.createTempDirectory(dir, "tamper");
        CliRunner.Run signed = CliRunner.run(message(RSA),
                daemonCommand("sign", List.of("--identity", RSA)));
        assertThat(signed.exit()).as(signed.stderr()).isZero();
        String tampered = signed.stdoutText().replace("numbers are", "numbers were");
        assertThat(tampered).isNotEqualTo(signed.stdoutText());
        Path message = Files.writeString(work.resolve("tampered.eml"), tampered);

        CliRunner.Run verified = CliRunner.run(new byte[0], "verify", "--in", message.toString(),
                "--trust", deployment.caCertificate().toString());

        assertThat(verified.exit()).isEqualTo(1);
        assertThat(verified.stderr()).startsWith("smime: ").hasLineCount(1);
        Processes.Result openssl = Processes.run(List.of("openssl", "cms", "-verify",
                "-in", message.toString(), "-CAfile", deployment.caCertificate().toString(),
                "-out", work.resolve("out.txt").toString()), work);
        assertThat(openssl.exitCode()).isNotZero();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "'', authEnveloped-data",
        "aes256-cbc, enveloped-data",
    })
    void encrypt_thenDecrypt_givesTheExactInnerEntity(String cipher, String smimeType)
            throws Exception {
        Path work = Files.createTempDirectory(dir, "encrypt");
        byte[] mail = ("From: alice@example.org\nTo: " + RSA + "\nSubject: payroll\n"
                + "Content-Type: text/plain; charset=utf-8\n\nGrüße aus der Buchhaltung\n"
                + "Zeile 2\n").getBytes(StandardCharsets.UTF_8);
        List<String> encrypt = new ArrayList<>(List.of("encrypt", "--recipient",
                deployment.certificate(RSA).toString()));
        if (!cipher.isBlank()) {
            encrypt.addAll(List.of("--cipher", cipher));
        }

        CliRunner.Run encrypted = CliRunner.run(mail, encrypt.toArray(String[]::new));

        assertThat(encrypted.exit()).as(encrypted.stderr()).isZero();
        assertThat(encrypted.stdoutText()).contains("smime-type=" + smimeType + ";")
                .doesNotContain("Buchhaltung");
        Path in = Files.write(work.resolve("encrypted.eml"), encrypted.stdout());
        Path out = work.resolve("decrypted.txt");

        CliRunner.Run decrypted = CliRunner.run(new byte[0], daemonCommand("decrypt",
                List.of("--identity", RSA, "--in", in.toString(), "--out", out.toString())));

        assertThat(decrypted.exit()).as(decrypted.stderr()).isZero();
        assertThat(decrypted.stderr()).isEmpty();
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo(
                "Content-Type: text/plain; charset=utf-8\r\n\r\nGrüße aus der Buchhaltung\r\n"
                        + "Zeile 2\r\n");
    }

    @Test
    void verify_openSslSignedMessage_verifiesAgainstItsCaOnly() throws Exception {
        Path work = Files.createTempDirectory(dir, "openssl-signed");
        OpenSslCa.Signer alice = throwawayCa.issueEmail("alice", "alice@example.org");
        Path content = Files.writeString(work.resolve("content.txt"),
                "Content-Type: text/plain\r\n\r\nPay 100 EUR to account 1234.\r\n");
        Processes.check(List.of("openssl", "smime", "-sign", "-in", content.toString(),
                "-signer", alice.certificate().toString(), "-inkey", alice.key().toString(),
                "-from", alice.email(), "-out", "signed.eml"), work);
        String signed = work.resolve("signed.eml").toString();

        CliRunner.Run trusted = CliRunner.run(new byte[0], "verify", "--in", signed,
                "--trust", throwawayCa.certificate().toString());
        CliRunner.Run untrusted = CliRunner.run(new byte[0], "verify", "--in", signed,
                "--trust", deployment.caCertificate().toString());

        assertThat(trusted.exit()).as(trusted.stderr()).isZero();
        assertThat(trusted.stderr()).startsWith("Verified: signer alice@example.org (");
        assertThat(untrusted.exit()).isEqualTo(1);
        assertThat(untrusted.stderr()).startsWith("smime: ").hasLineCount(1);
    }

    @Test
    void decrypt_garbage_failsWithOneLineAndNoOutputFile() throws Exception {
        Path work = Files.createTempDirectory(dir, "garbage");
        Path out = work.resolve("decrypted.txt");

        CliRunner.Run run = CliRunner.run(GARBAGE, daemonCommand("decrypt",
                List.of("--out", out.toString())));

        assertThat(run.exit()).isEqualTo(1);
        // With the request id under which the daemon's log says why (an outside trial's
        // script could not give an operator anything to look for).
        assertThat(run.stderr()).matches("smime: decryption failed \\(INVALID_ARGUMENT;"
                + " request id [0-9a-f-]{36}\\)\n");
        String id = run.stderr().replaceAll("(?s).*request id ([0-9a-f-]{36}).*", "$1");
        assertThat(java.nio.file.Files.readString(deployment.auditFile()))
                .contains("\"requestId\":\"" + id + "\"");
        assertThat(run.stdout()).isEmpty();
        try (var files = Files.list(work)) {
            assertThat(files).isEmpty();
        }
    }

    /** Mail for someone else is told from a broken message: the reason, not the cause. */
    @Test
    void decrypt_ofMailForAnotherKey_saysItIsNotAddressedToOurs() throws Exception {
        Path work = Files.createTempDirectory(dir, "not-ours");
        OpenSslCa.Signer bob = throwawayCa.issueEmail("bob", "bob@example.org");
        Path content = Files.writeString(work.resolve("content.txt"),
                "Content-Type: text/plain\r\n\r\nfor Bob\r\n");
        Processes.check(List.of("openssl", "smime", "-encrypt", "-aes256", "-in",
                content.toString(), "-out", "for-bob.eml", bob.certificate().toString()), work);

        CliRunner.Run run = CliRunner.run(new byte[0], daemonCommand("decrypt",
                List.of("--in", work.resolve("for-bob.eml").toString())));

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stderr()).startsWith("smime: decryption failed (INVALID_ARGUMENT: the"
                + " message is not addressed to a key you may decrypt with"
                + " (NO_MATCHING_RECIPIENT); request id ");
    }

    @Test
    void sign_andDecrypt_withWrongServerCa_failUnavailableSayingWhy() {
        String wrongCa = throwawayCa.certificate().toString();
        String target = "localhost:" + deployment.daemon().port();

        CliRunner.Run sign = CliRunner.run(message(RSA), "sign", "--identity", RSA,
                "--target", target, "--ca", wrongCa);
        CliRunner.Run decrypt = CliRunner.run(GARBAGE, "decrypt",
                "--target", target, "--ca", wrongCa);

        assertThat(sign.exit()).isEqualTo(1);
        assertThat(sign.stdout()).isEmpty();
        // Not Netty's "General OpenSslEngine problem": the certificate check beneath it.
        String why = "UNAVAILABLE: TLS handshake failed: the daemon's certificate is not issued"
                + " by a CA you trust (the trusted CA, --ca, must be the one that issued the"
                + " daemon's server certificate))\n";
        assertThat(sign.stderr()).isEqualTo("smime: signing failed (" + why);
        assertThat(decrypt.exit()).isEqualTo(1);
        assertThat(decrypt.stderr()).isEqualTo("smime: decryption failed (" + why);
    }

    private static byte[] message(String from) {
        return ("From: " + from + "\nTo: bob@example.org\nSubject: quarterly report\n\n" + BODY)
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void identities_listsEachIdentityWithItsKeyHashAndWhatItDoes() {
        CliRunner.Run run = CliRunner.run(new byte[0], daemonCommand("identities", List.of()));

        assertThat(run.exit()).as(run.stderr()).isZero();
        String ec = TestDeployment.EC;
        assertThat(run.stdoutText().lines()).containsExactly(
                "identity\tkey_version\tkey_algorithm\tsigns\thash\tencrypt_to",
                ec + "\t" + ec + "/v1\tEC_P256\tyes\tsha-256\tyes",
                RSA + "\t" + RSA + "/v1\tRSA_2048\tyes\tsha-256\tyes");
    }

    /**
     * Found by a deployment trial: a header alone read as success to an operator whose
     * policy entry grants nothing (the demo officer's grants no identity).
     */
    @Test
    void identities_noneGranted_saysSoAndWhereToLook() {
        Path pki = deployment.dir().resolve("pki");
        CliRunner.Run run = CliRunner.run(new byte[0], CliRunner.against(
                deployment.daemon().port(), deployment.caCertificate(),
                pki.resolve("officer.crt"), pki.resolve("officer.key"), "identities"));

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(run.stdoutText().lines()).containsExactly(
                "identity\tkey_version\tkey_algorithm\tsigns\thash\tencrypt_to");
        assertThat(run.stderr()).contains("smime: identities: none: the daemon's policy lets"
                + " this client sign as or decrypt for no identity; 'smime limits'");
    }

    /** Found by an operator trial: gRPC's "Network closed for unknown reason" said nothing. */
    @Test
    void plaintextToTheTlsPort_isToldToDropPlaintext() {
        CliRunner.Run run = CliRunner.run(new byte[0], "identities", "--plaintext", "--target",
                "localhost:" + deployment.daemon().port(), "--deadline", "20");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stderr()).contains("with --plaintext, drop it (the daemon's listeners"
                + " speak TLS)");
    }

    /** {@code command} aimed at the deployment's daemon, trusting only its CA. */
    private static String[] daemonCommand(String command, List<String> args) {
        return CliRunner.against(deployment.daemon().port(), deployment.caCertificate(),
                deployment.clientCertificate(), deployment.clientKey(), command,
                args.toArray(String[]::new));
    }

    /** OpenSSL verifies the message against the demo CA and extracts the same entity. */
    private static void assertOpenSslVerifies(Path work, Path message) throws Exception {
        Path out = work.resolve("openssl-content.txt");
        // Not -binary: with it OpenSSL joins the lines of a multipart/signed part with bare LF.
        Processes.Result result = Processes.run(List.of("openssl", "cms", "-verify",
                "-in", message.toString(), "-CAfile", deployment.caCertificate().toString(),
                "-out", out.toString()), work);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stderr()).contains("Verification successful");
        assertThat(Files.readString(out)).isEqualTo(SIGNED_ENTITY);
    }
}
