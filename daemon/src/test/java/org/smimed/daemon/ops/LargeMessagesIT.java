package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignResponse;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.client.Channels;
import org.smimed.client.DecryptResult;
import org.smimed.client.SmimeClient;
import org.smimed.client.SmimeClientException;
import org.smimed.daemon.cms.DecryptionFailedException;
import org.smimed.daemon.testing.DaemonProcess;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Large messages stream through in constant memory, on both sides.
 *
 * <p>Decrypt: a 64 MiB message, encrypted by OpenSSL to a token key,
 * decrypts through a daemon process whose heap is capped at 64 MiB — as EnvelopedData with
 * AES-256-CBC and as AuthEnvelopedData with AES-256-GCM — and the plaintext's SHA-256 is the
 * original's. The in-flight budgets are set far below the message size, so the message can
 * only get through as a stream. A flipped GCM tag ends the call with "decryption failed", no
 * OK, and the last part of the plaintext never leaves the daemon.
 *
 * <p>The CLI, itself run with {@code -Xmx64m}: {@code smime sign} of a 64 MiB entity gives a
 * multipart/signed message that OpenSSL verifies, from its digest and with the content
 * streamed to the daemon (SignStream, --send-content); {@code smime sign --encapsulate} streams
 * the entity through the daemon and writes the BER SignedData it streams back, which OpenSSL
 * verifies too; {@code smime encrypt} of a 64 MiB entity and
 * {@code smime decrypt} of the result (through the daemon above) give back the same bytes.
 */
class LargeMessagesIT {
    static final long SIZE = 64L * 1024 * 1024;
    static final int BUDGET = 4 * 1024 * 1024;

    @TempDir
    static Path dir;
    static DaemonProcess daemon;
    static ManagedChannel channel;
    static Path plaintext;
    static String plaintextSha256;

    @BeforeAll
    static void start() throws Exception {
        SoftHsm.Token token = SoftHsm.createToken("stream");
        TestDeployment.provision(dir, token);
        Path config = TestDeployment.writeConfig(dir, token, 256 * 1024 * 1024);
        Files.writeString(config, Files.readString(config).replace(
                "  maxMessageBytes: 268435456\n", """
                  maxMessageBytes: 268435456
                  maxInFlightBytesPerCaller: %d
                  maxInFlightBytes: %d
                """.formatted(BUDGET, 2 * BUDGET)));
        plaintext = dir.resolve("plain.bin");
        plaintextSha256 = writeRandom(plaintext, SIZE);
        daemon = DaemonProcess.start(config, Path.of(System.getenv("SOFTHSM2_CONF")),
                List.of("-Xmx64m"));
        channel = Channels.tls("localhost:" + daemon.port(), dir.resolve("pki/ca.crt"),
                dir.resolve("pki/client.crt"), dir.resolve("pki/client.key"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void envelopedDataAes256Cbc_of64MiB_decryptsInA64MiBHeap() throws Exception {
        Path message = encrypt("-aes-256-cbc", "cbc.der");

        Decrypted out = decrypt(message);

        assertThat(out.failure()).isNull();
        assertThat(out.result().contentEncryptionOid()).isEqualTo("2.16.840.1.101.3.4.1.42");
        assertThat(out.bytes()).isEqualTo(SIZE);
        assertThat(out.sha256()).isEqualTo(plaintextSha256);
        assertThat(daemon.isAlive()).isTrue();
        assertThat(daemon.log()).doesNotContain("OutOfMemoryError");
    }

    @Test
    void authEnvelopedDataAes256Gcm_of64MiB_decryptsInA64MiBHeap() throws Exception {
        Path message = encrypt("-aes-256-gcm", "gcm.der");

        Decrypted out = decrypt(message);

        assertThat(out.failure()).isNull();
        assertThat(out.result().authenticated()).isTrue();
        assertThat(out.bytes()).isEqualTo(SIZE);
        assertThat(out.sha256()).isEqualTo(plaintextSha256);
        assertThat(daemon.log()).doesNotContain("OutOfMemoryError");
    }

    @Test
    void authEnvelopedDataWithAFlippedTag_failsWithoutOk_andWithholdsTheEnd() throws Exception {
        Path message = encrypt("-aes-256-gcm", "gcm-tampered.der");
        try (RandomAccessFile file = new RandomAccessFile(message.toFile(), "rw")) {
            // OpenSSL writes no attributes after the tag: the last byte is the tag's.
            file.seek(file.length() - 1);
            int last = file.read();
            file.seek(file.length() - 1);
            file.write(last ^ 0x01);
        }

        Decrypted out = decrypt(message);

        assertThat(out.failure()).isNotNull();
        assertThat(out.failure().code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(out.failure().description())
                .isEqualTo(DecryptionFailedException.MESSAGE);
        assertThat(out.bytes()).isLessThan(SIZE);
        assertThat(daemon.isAlive()).isTrue();
    }

    @Test
    void decryptMessage_takesAWholeMessageUpTo4MiB_andSendsLargerOnesToTheStream()
            throws Exception {
        Path three = dir.resolve("three.bin");
        String threeSha256 = writeRandom(three, 3L * 1024 * 1024);
        Path four = dir.resolve("four.bin");
        writeRandom(four, 4L * 1024 * 1024);
        Path five = dir.resolve("five.bin");
        writeRandom(five, 5L * 1024 * 1024);
        byte[] small = Files.readAllBytes(encrypt(three, "-aes-256-gcm", "three.der"));
        byte[] justOver = Files.readAllBytes(encrypt(four, "-aes-256-gcm", "four.der"));
        byte[] large = Files.readAllBytes(encrypt(five, "-aes-256-gcm", "five.der"));

        DecryptCall.Answer answer = DecryptCall.whole(channel, null, small);

        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(answer.plaintext()))).isEqualTo(threeSha256);
        assertThat(answer.result().getAuthenticated()).isTrue();
        // limits.maxMessageBytes is 256 MiB here: the 4 MiB cap of DecryptMessage applies.
        assertRefused(() -> DecryptCall.whole(channel, null, justOver),
                Status.Code.INVALID_ARGUMENT,
                "more than the limit of 4194304 bytes for DecryptMessage",
                "stream it with Decrypt");
        // Further over, gRPC refuses the message before reading it whole.
        assertRefused(() -> DecryptCall.whole(channel, null, large),
                Status.Code.RESOURCE_EXHAUSTED, "exceeds maximum size");
        assertThat(daemon.isAlive()).isTrue();
        assertThat(daemon.log()).doesNotContain("OutOfMemoryError");
    }

    @Test
    void sign_takesContentUpTo4MiB_inOneRequest_evenWhenMaxMessageBytesIsLarger() {
        var signing = SigningServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS);
        byte[] three = new byte[3 * 1024 * 1024];
        new Random(3).nextBytes(three);

        SignResponse signed = signing.sign(content(three));

        assertThat(signed.getSignedData().size()).isGreaterThan(1000);
        assertRefused(() -> signing.sign(content(new byte[4 * 1024 * 1024 + 1])),
                Status.Code.INVALID_ARGUMENT, "more than the limit of 4194304 bytes for Sign",
                "stream the content with SignStream");
        // Further over, gRPC refuses the message before reading it whole: no unary call holds
        // more than about 4 MiB of the heap before its in-flight budget is checked.
        assertRefused(() -> signing.sign(content(new byte[5 * 1024 * 1024])),
                Status.Code.RESOURCE_EXHAUSTED, "exceeds maximum size");
        assertThat(daemon.isAlive()).isTrue();
        assertThat(daemon.log()).doesNotContain("OutOfMemoryError");
    }

    private static SignRequest content(byte[] bytes) {
        return SignRequest.newBuilder().setIdentity(TestDeployment.RSA)
                .setContent(ByteString.copyFrom(bytes)).build();
    }

    private static void assertRefused(Runnable call, Status.Code code, String... texts) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(texts);
        });
    }

    @Test
    void smimeSign_of64MiB_inA64MiBHeap_verifiesWithOpenSsl() throws Exception {
        Path entity = bigTextEntity();
        Path signed = dir.resolve("big-signed.eml");

        Processes.Result sign = smime("sign", "--identity", TestDeployment.RSA,
                "--in", entity.toString(), "--out", signed.toString());

        assertThat(sign.exitCode()).as(sign.stderr()).isZero();
        assertOpenSslVerifies(signed, entity, false);
    }

    @Test
    void smimeSignEncapsulate_of64MiB_streamsThroughBothHeapsOf64MiB_andVerifiesWithOpenSsl()
            throws Exception {
        Path entity = bigTextEntity();
        Path signed = dir.resolve("big-encapsulated.eml");

        Processes.Result sign = smime("sign", "--identity", TestDeployment.EC, "--encapsulate",
                "--in", entity.toString(), "--out", signed.toString());

        assertThat(sign.exitCode()).as(sign.stderr()).isZero();
        assertThat(Files.size(signed)).isGreaterThan(Files.size(entity) * 4 / 3);
        assertOpenSslVerifies(signed, entity, true);
        assertThat(daemon.isAlive()).isTrue();
        assertThat(daemon.log()).doesNotContain("OutOfMemoryError");
    }

    @Test
    void smimeSignSendContent_of64MiB_streamsThroughBothHeapsOf64MiB_andVerifiesWithOpenSsl()
            throws Exception {
        Path entity = bigTextEntity();
        Path signed = dir.resolve("big-sent.eml");

        Processes.Result sign = smime("sign", "--identity", TestDeployment.RSA, "--send-content",
                "--in", entity.toString(), "--out", signed.toString());

        assertThat(sign.exitCode()).as(sign.stderr()).isZero();
        assertOpenSslVerifies(signed, entity, false);
        assertThat(daemon.log()).doesNotContain("OutOfMemoryError");
    }

    /** OpenSSL verifies {@code signed} against the demo CA and gives back {@code entity}. */
    private static void assertOpenSslVerifies(Path signed, Path entity, boolean encapsulated)
            throws Exception {
        Path verified = dir.resolve(signed.getFileName() + ".verified");
        // -binary keeps OpenSSL from translating the encapsulated content's line ends on
        // output; for multipart/signed it would also stop it canonicalizing what it hashes.
        List<String> command = new java.util.ArrayList<>(List.of("openssl", "cms", "-verify",
                "-in", signed.toString(), "-CAfile", dir.resolve("pki/ca.crt").toString(),
                "-out", verified.toString()));
        if (encapsulated) {
            command.add("-binary");
        }
        Processes.Result verify = Processes.run(command, dir);
        assertThat(verify.exitCode()).as(verify.stderr()).isZero();
        assertThat(verify.stderr()).contains("Verification successful");
        assertThat(sha256(verified)).isEqualTo(sha256(entity));
    }

    /**
     * A 64 MiB text/plain entity of base64 lines, already in canonical 7-bit form, so the
     * signed entity is the file itself. Written once.
     */
    private static synchronized Path bigTextEntity() throws Exception {
        Path entity = dir.resolve("big-text.eml");
        if (Files.exists(entity)) {
            return entity;
        }
        // Buffered: FilterOutputStream passes the encoder's output on byte by byte, a system
        // call each (which took minutes for 64 MiB).
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(entity),
                1024 * 1024)) {
            out.write("Content-Type: text/plain; charset=us-ascii\r\n\r\n".getBytes());
            Random random = new Random(7);
            byte[] raw = new byte[57 * 1024];
            OutputStream lines = java.util.Base64.getMimeEncoder(76, new byte[] {'\r', '\n'})
                    .wrap(new java.io.FilterOutputStream(out) {
                        @Override
                        public void close() {
                        }
                    });
            for (long done = 0; done < SIZE * 3 / 4; done += raw.length) {
                random.nextBytes(raw);
                lines.write(raw);
            }
            lines.close();
            out.write("\r\n".getBytes());
        }
        return entity;
    }

    @Test
    void smimeEncrypt_thenSmimeDecrypt_of64MiB_inA64MiBHeap_giveBackTheEntity()
            throws Exception {
        Path entity = dir.resolve("big-binary.eml");
        try (OutputStream out = Files.newOutputStream(entity)) {
            out.write(("Content-Type: application/octet-stream\r\n"
                    + "Content-Transfer-Encoding: binary\r\n\r\n").getBytes());
            Files.copy(plaintext, out);
        }
        Path encrypted = dir.resolve("big-encrypted.eml");
        Path decrypted = dir.resolve("big-decrypted.eml");

        Processes.Result encrypt = smime("encrypt", "--in", entity.toString(),
                "--out", encrypted.toString(), "--cipher", "aes256-gcm", "--recipient",
                dir.resolve("pki/" + TestDeployment.RSA + ".crt").toString());
        assertThat(encrypt.exitCode()).as(encrypt.stderr()).isZero();
        Processes.Result decrypt = smime("decrypt", "--identity", TestDeployment.RSA,
                "--in", encrypted.toString(), "--out", decrypted.toString());

        assertThat(decrypt.exitCode()).as(decrypt.stderr()).isZero();
        assertThat(sha256(decrypted)).isEqualTo(sha256(entity));
    }

    /** Runs the smime CLI in its own JVM with a 64 MiB heap, aimed at the daemon. */
    private static Processes.Result smime(String command, String... args) throws Exception {
        List<String> line = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), "org.smimed.client.cli.SmimeCli",
                command));
        if (!command.equals("encrypt")) {
            line.addAll(List.of("--target", "localhost:" + daemon.port(),
                    "--ca", dir.resolve("pki/ca.crt").toString(),
                    "--cert", dir.resolve("pki/client.crt").toString(),
                    "--key", dir.resolve("pki/client.key").toString(), "--deadline", "600"));
        }
        line.addAll(List.of(args));
        return Processes.run(line, dir);
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            in.transferTo(new DigestOutputStream(OutputStream.nullOutputStream(), sha256));
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    /** What one Decrypt call delivered: the result or the failure, and the bytes it wrote. */
    record Decrypted(DecryptResult result, SmimeClientException failure, long bytes,
                     String sha256) {}

    private static Decrypted decrypt(Path message) throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        long[] count = new long[1];
        OutputStream sink = new DigestOutputStream(new OutputStream() {
            @Override
            public void write(int b) {
                count[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                count[0] += len;
            }
        }, sha256);
        SmimeClient client = new SmimeClient(channel, Duration.ofMinutes(5));
        try (InputStream in = Files.newInputStream(message)) {
            DecryptResult result = client.decrypt(TestDeployment.RSA, in, sink);
            return new Decrypted(result, null, count[0], HexFormat.of().formatHex(sha256.digest()));
        } catch (SmimeClientException e) {
            return new Decrypted(null, e, count[0], null);
        }
    }

    private static Path encrypt(String cipher, String name) throws Exception {
        return encrypt(plaintext, cipher, name);
    }

    private static Path encrypt(Path in, String cipher, String name) throws Exception {
        Path out = dir.resolve(name);
        Processes.check(List.of("openssl", "cms", "-encrypt", "-binary", cipher,
                "-outform", "DER", "-in", in.toString(), "-out", out.toString(),
                dir.resolve("pki/" + TestDeployment.RSA + ".crt").toString()), dir);
        return out;
    }

    /** Writes {@code size} seeded random bytes to {@code file}; returns their SHA-256. */
    static String writeRandom(Path file, long size) throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        Random random = new Random(64);
        byte[] block = new byte[1024 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += block.length) {
                random.nextBytes(block);
                sha256.update(block);
                out.write(block);
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }
}
