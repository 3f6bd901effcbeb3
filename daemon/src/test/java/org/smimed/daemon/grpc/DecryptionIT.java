package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smimed.api.v1.ErrorReason;
import org.smimed.client.SmimeClientException;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.OpenSsl;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Messages made by OpenSSL ({@code openssl cms -encrypt}) decrypt through the daemon, over
 * real TLS, with the key in SoftHSM2, to the exact bytes, streamed (Decrypt) and whole
 * (DecryptMessage); every failure looks the same.
 */
class DecryptionIT {
    private static final byte[] PLAINTEXT = ("Content-Type: text/plain; charset=utf-8\r\n\r\n"
            + "Grüße aus der Buchhaltung\r\n").repeat(200).getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path dir;
    private static TestDeployment deployment;
    private static Path stranger;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir);
        stranger = OpenSsl.strangerCertificate(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "-aes-256-cbc, issuer-serial, 2.16.840.1.101.3.4.1.42, false",
        "-aes-128-cbc, issuer-serial, 2.16.840.1.101.3.4.1.2, false",
        "-aes-256-gcm, issuer-serial, 2.16.840.1.101.3.4.1.46, true",
        "-aes-128-gcm, issuer-serial, 2.16.840.1.101.3.4.1.6, true",
        "-aes-256-cbc, subject-key-id, 2.16.840.1.101.3.4.1.42, false",
        "-aes-256-gcm, subject-key-id, 2.16.840.1.101.3.4.1.46, true",
    })
    void decrypt_openSslMessage_givesExactBytes(String cipher, String recipientId, String oid,
                                                boolean authenticated) throws Exception {
        byte[] message = openSslEncrypt(cipher, recipientId.equals("subject-key-id"),
                deployment.certificate(TestDeployment.RSA));

        DecryptCall.Answer streamed = DecryptCall.decrypt(deployment.channel(), null, message,
                1000);
        DecryptCall.Answer whole = DecryptCall.whole(deployment.channel(), null, message);

        for (DecryptCall.Answer answer : List.of(streamed, whole)) {
            assertThat(answer.plaintext()).isEqualTo(PLAINTEXT);
            assertThat(answer.result().getIdentity()).isEqualTo(TestDeployment.RSA);
            assertThat(answer.result().getKeyVersion()).isEqualTo(TestDeployment.RSA + "/v1");
            assertThat(answer.result().getContentEncryptionAlgorithm()).isEqualTo(oid);
            assertThat(answer.result().getAuthenticated()).isEqualTo(authenticated);
        }
    }

    @Test
    void decryptMessage_isAuditedAsDecryptWithTheSameInputHash() throws Exception {
        byte[] message = openSslEncrypt("-aes-256-gcm", false,
                deployment.certificate(TestDeployment.RSA));

        DecryptCall.decrypt(deployment.channel(), null, message, 1000);
        DecryptCall.whole(deployment.channel(), null, message);

        // An auditor asking what happened to a message finds both calls under one event and
        // one input hash, the SHA-256 of the CMS bytes, however they were sent.
        String inputSha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(message));
        List<String> records = Files.readAllLines(deployment.auditFile()).stream()
                .filter(line -> line.contains("\"inputSha256\":\"" + inputSha256 + "\""))
                .toList();
        assertThat(records).hasSize(2);
        assertThat(records.get(0)).contains("\"method\":\"smimed.v1.DecryptionService/Decrypt\"");
        assertThat(records.get(1)).contains(
                "\"method\":\"smimed.v1.DecryptionService/DecryptMessage\"");
        for (String record : records) {
            assertThat(record).contains("\"event\":\"DECRYPT\"",
                    "\"identity\":\"" + TestDeployment.RSA + "\"",
                    "\"keyVersion\":\"" + TestDeployment.RSA + "/v1\"", "\"status\":\"OK\"");
        }
    }

    @Test
    void decrypt_withSeveralRecipients_findsOurs() throws Exception {
        byte[] message = openSslEncrypt("-aes-256-gcm", false, stranger,
                deployment.certificate(TestDeployment.RSA));

        DecryptCall.Answer answer = DecryptCall.decrypt(deployment.channel(),
                TestDeployment.RSA, message, 64 * 1024);

        assertThat(answer.plaintext()).isEqualTo(PLAINTEXT);
        assertThat(DecryptCall.whole(deployment.channel(), TestDeployment.RSA, message)
                .plaintext()).isEqualTo(PLAINTEXT);
    }

    @Test
    void decrypt_failures_allLookTheSame() throws Exception {
        byte[] good = openSslEncrypt("-aes-256-cbc", false,
                deployment.certificate(TestDeployment.RSA));
        byte[] goodGcm = openSslEncrypt("-aes-256-gcm", false,
                deployment.certificate(TestDeployment.RSA));
        List<byte[]> bad = new ArrayList<>();
        bad.add(Arrays.copyOf(good, good.length / 2));
        byte[] toAStranger = openSslEncrypt("-aes-256-cbc", false, stranger);
        bad.add(toAStranger);
        bad.add(withKeyTransportOidChanged(good));
        bad.add(flipByteAt(good, good.length - 20));
        bad.add(flipByteAt(goodGcm, goodGcm.length - 5));
        // GCM: a tampered RSA-wrapped key unwraps to a random key (implicit rejection), which
        // decrypts CBC content to garbage with valid padding about once in 256 messages.
        bad.add(flipEncryptedKey(goodGcm));

        for (byte[] message : bad) {
            // Only a message addressed to none of our keys says so, in its details: decided
            // from public identifiers before any private-key operation.
            var reason = message == toAStranger ? Optional.of(ErrorReason.NO_MATCHING_RECIPIENT)
                    : Optional.<ErrorReason>empty();
            assertThatThrownBy(() -> DecryptCall.decrypt(deployment.channel(), null, message, 4096))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).isEqualTo("decryption failed");
                        assertThat(reasonOf(e)).isEqualTo(reason);
                    });
            assertThatThrownBy(() -> DecryptCall.whole(deployment.channel(), null, message))
                    .as("DecryptMessage fails the same way")
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).isEqualTo("decryption failed");
                        assertThat(reasonOf(e)).isEqualTo(reason);
                    });
        }
        // What is no CMS at all is said so (a client-developer trial): no key is involved.
        byte[] text = "this is not CMS".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> DecryptCall.decrypt(deployment.channel(), null, text, 4096))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
                        e.getStatus().getDescription()).startsWith("not a CMS message: it"
                        + " starts with 0x74 ('t')"));
        assertThatThrownBy(() -> DecryptCall.whole(deployment.channel(), null, text))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
                        e.getStatus().getDescription()).startsWith("not a CMS message"));
        // And the daemon still serves.
        assertThat(DecryptCall.decrypt(deployment.channel(), null, good, 4096).plaintext())
                .isEqualTo(PLAINTEXT);
        assertThat(DecryptCall.whole(deployment.channel(), null, goodGcm).plaintext())
                .isEqualTo(PLAINTEXT);
    }

    /**
     * Triple DES is known but off by default: the refusal names it as the config does, so the
     * operator of an archive of old mail sees what to add (found by an outside trial: the OID
     * alone).
     */
    @Test
    void tripleDesByDefault_isRefusedNamingItsConfigName() throws Exception {
        byte[] message = openSslEncrypt("-des3", false, deployment.certificate(TestDeployment.RSA));

        assertThatThrownBy(() -> DecryptCall.decrypt(deployment.channel(), null, message, 4096))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("content-encryption"
                            + " algorithm des-ede3-cbc (1.2.840.113549.3.7) is not allowed"
                            + " (allowed: aes128-cbc, aes192-cbc, aes256-cbc, aes128-gcm,"
                            + " aes192-gcm, aes256-gcm, chacha20-poly1305;"
                            + " see decryption.contentAlgorithms)");
                });
    }

    private static Optional<ErrorReason> reasonOf(StatusRuntimeException e) {
        return new SmimeClientException(e.getStatus(), e.getTrailers()).reason();
    }

    /**
     * Still addressed to our key, but with key transport named sha224WithRSAEncryption
     * (1.2.840.113549.1.1.14) instead of rsaEncryption (…1.1.1): a failure, not "no match".
     */
    private static byte[] withKeyTransportOidChanged(byte[] message) {
        byte[] rsaEncryption = HexFormat.of().parseHex("06092a864886f70d010101");
        for (int i = 0; i + rsaEncryption.length <= message.length; i++) {
            if (Arrays.equals(message, i, i + rsaEncryption.length, rsaEncryption, 0,
                    rsaEncryption.length)) {
                byte[] copy = message.clone();
                copy[i + rsaEncryption.length - 1] = 0x0e;
                return copy;
            }
        }
        throw new IllegalStateException("no rsaEncryption OID in the message");
    }

    /** Corrupts the RSA-encrypted key: the RFC 3218 path must not be distinguishable. */
    private static byte[] flipEncryptedKey(byte[] message) {
        // The encrypted key is the only 256-byte OCTET STRING (04 82 01 00) in the message.
        for (int i = 0; i + 4 < message.length; i++) {
            if (message[i] == 0x04 && message[i + 1] == (byte) 0x82 && message[i + 2] == 0x01
                    && message[i + 3] == 0x00) {
                return flipByteAt(message, i + 4 + 100);
            }
        }
        throw new IllegalStateException("no encrypted key found");
    }

    private static byte[] flipByteAt(byte[] message, int index) {
        byte[] copy = message.clone();
        copy[index] ^= 0x55;
        return copy;
    }

    private static byte[] openSslEncrypt(String cipher, boolean keyId, Path... recipients)
            throws Exception {
        Path work = Files.createTempDirectory(dir, "enc");
        Path in = Files.write(work.resolve("plain.txt"), PLAINTEXT);
        Path out = work.resolve("message.der");
        List<String> command = new ArrayList<>(List.of("openssl", "cms", "-encrypt", "-binary",
                cipher, "-in", in.toString(), "-outform", "DER", "-out", out.toString()));
        if (keyId) {
            command.add("-keyid");
        }
        for (Path recipient : recipients) {
            command.add(recipient.toString());
        }
        Processes.check(command, work);
        return Files.readAllBytes(out);
    }}
