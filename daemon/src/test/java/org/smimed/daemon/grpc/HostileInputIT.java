package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.testing.Mutations;
import org.smimed.daemon.cms.DecryptionFailedException;
import org.smimed.daemon.testing.CmsVersions;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.OpenSsl;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Hostile input through the real daemon over mutual TLS: each limit, just exceeded, is refused
 * with the designed status and a message naming the limit while another caller keeps
 * decrypting; the CMS fuzz corpus and generated inputs get typed errors, never INTERNAL; and
 * the daemon still answers a valid request correctly afterwards. The in-flight byte budgets
 * have their own deployment: {@link InFlightBudgetIT}.
 */
class HostileInputIT {
    static final int GENERATED = 500;
    static final int MAX_MESSAGE_BYTES = 200_000;
    static final String OVER_THE_LIMIT = "message is larger than the limit of "
            + MAX_MESSAGE_BYTES + " bytes (limits.maxMessageBytes)";
    static final byte[] PLAINTEXT = "quarterly numbers\r\n".getBytes(StandardCharsets.US_ASCII);
    static final Path CORPUS = Path.of(
            "src/test/resources/org/smimed/daemon/cms/CmsDecryptorFuzzTestInputs/decrypt");

    @TempDir
    static Path dir;
    static TestDeployment deployment;
    static ManagedChannel other;
    static byte[] valid;
    /** A second caller decrypting valid mail while a limit is tested. */
    static AnotherCaller others;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir, List.of(), """
                limits:
                  maxMessageBytes: %d
                  streamIdleSeconds: 20
                """.formatted(MAX_MESSAGE_BYTES));
        other = deployment.decryptOnlyChannel("second service");
        valid = encrypt(deployment.certificate(TestDeployment.RSA));
        others = new AnotherCaller(other, valid, PLAINTEXT);
    }

    @AfterAll
    static void stop() throws Exception {
        other.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        deployment.close();
    }

    @Test
    void messageOverTheSizeLimit_isInvalidArgumentNamingIt() throws Exception {
        // A well-formed message with indefinite lengths, so nothing but the byte count can
        // tell it is too large: the daemon decrypts as it arrives and stops at the limit.
        byte[] plaintext = new byte[MAX_MESSAGE_BYTES + 50_000];
        new java.util.Random(3).nextBytes(plaintext);
        byte[] big = encryptStreamed(plaintext, deployment.certificate(TestDeployment.RSA));
        StatusRuntimeException e = others.whileDecrypting(() -> refused(big));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).isEqualTo("message is larger than the limit"
                + " of 200000 bytes (limits.maxMessageBytes)");
    }

    @Test
    void recipientsOverTheLimit_isInvalidArgumentNamingIt() throws Exception {
        StatusRuntimeException e = others.whileDecrypting(
                () -> refused(corpus("nasty-257-recipients.der")));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).isEqualTo(
                "message has more than 256 recipients (limits.maxRecipients)");
    }

    @Test
    void nestingBomb_isInvalidArgumentNamingTheDepthLimit() throws Exception {
        StatusRuntimeException e = others.whileDecrypting(
                () -> refused(corpus("nasty-indefinite-bomb.bin")));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription())
                .isEqualTo("ASN.1 nesting is deeper than 40 levels (limits.maxAsn1Depth)");
    }

    @Test
    void indefiniteLengthsOverTheLimit_isInvalidArgumentNamingIt() throws Exception {
        StatusRuntimeException e = others.whileDecrypting(
                () -> refused(corpus("nasty-many-indefinite-siblings.bin")));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).isEqualTo("message has more than 256"
                + " indefinite-length encodings (limits.maxIndefiniteLengths)");
    }

    @Test
    void derMessageOverTheSizeLimit_isRefusedFromItsLength_namingTheLimit() throws Exception {
        // Definite lengths (OpenSSL without -stream): the ContentInfo's header says how large
        // the message is, so the daemon refuses it from its first bytes, as the byte count
        // would. Small chunks, so the refusal cannot come from the byte count first.
        byte[] plaintext = new byte[MAX_MESSAGE_BYTES + 50_000];
        new java.util.Random(5).nextBytes(plaintext);
        byte[] big = encrypt(plaintext, deployment.certificate(TestDeployment.RSA));
        StatusRuntimeException e = others.whileDecrypting(() -> catchThrowableOfType(
                StatusRuntimeException.class,
                () -> DecryptCall.decrypt(deployment.channel(), null, big, 16 * 1024)));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).isEqualTo(OVER_THE_LIMIT);
    }

    @Test
    void declaredLengthOneBytePastTheSizeLimit_isInvalidArgumentNamingIt() throws Exception {
        StatusRuntimeException e = others.whileDecrypting(
                () -> refused(contentInfoDeclaring(MAX_MESSAGE_BYTES + 1)));
        StatusRuntimeException huge = refused(corpus("nasty-huge-length.bin")); // 2 GiB

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).isEqualTo(OVER_THE_LIMIT);
        assertThat(huge.getStatus().getDescription()).isEqualTo(OVER_THE_LIMIT);
    }

    @Test
    void declaredLengthWithinTheSizeLimitBeyondTheInput_failsLikeAnyMalformedMessage()
            throws Exception {
        StatusRuntimeException e = others.whileDecrypting(
                () -> refused(contentInfoDeclaring(MAX_MESSAGE_BYTES)));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).isEqualTo(DecryptionFailedException.MESSAGE);
    }

    @Test
    void decryptMessage_declaredLengthPastTheSizeLimit_failsLikeAnyTruncatedMessage() {
        // DecryptMessage has the whole message, its size already checked against the limit:
        // a length reaching past its end says only that the message is cut short.
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> DecryptCall.whole(deployment.channel(), null,
                        contentInfoDeclaring(MAX_MESSAGE_BYTES + 1)));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).isEqualTo(DecryptionFailedException.MESSAGE);
    }

    @Test
    void hugeVersionInteger_failsLikeAnyMalformedMessage() throws Exception {
        // 150 KB of version INTEGER, under the 200 KB message limit: refused from its header.
        byte[] hostile = CmsVersions.envelope(valid, CmsVersions.huge(150_000));
        StatusRuntimeException e = refused(hostile);
        StatusRuntimeException whole = catchThrowableOfType(StatusRuntimeException.class,
                () -> DecryptCall.whole(deployment.channel(), null,
                        CmsVersions.firstRecipient(valid, CmsVersions.huge(100_000))));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).isEqualTo(DecryptionFailedException.MESSAGE);
        assertThat(whole.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(whole.getStatus().getDescription())
                .isEqualTo(DecryptionFailedException.MESSAGE);
    }

    /**
     * The start of a ContentInfo (its header and content type) whose definite length makes
     * the whole message {@code total} bytes; nothing more of it is sent.
     */
    static byte[] contentInfoDeclaring(int total) {
        int length = total - 5; // 0x30, 0x83 and three length octets
        return new byte[] {0x30, (byte) 0x83, (byte) (length >> 16), (byte) (length >> 8),
                (byte) length, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7,
                0x0d, 0x01, 0x07, 0x03};
    }

    @Test
    void stalledStream_isEndedNamingTheIdleLimit() throws Exception {
        StatusRuntimeException e = others.whileDecrypting(() -> {
            DecryptCall.Unfinished call = DecryptCall.Unfinished.start(deployment.channel(),
                    valid, 100);
            // ...and nothing more: the daemon must not wait for ever.
            return (StatusRuntimeException) call.ended().get(60, TimeUnit.SECONDS);
        });

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(e.getStatus().getDescription())
                .isEqualTo("no progress for 20 s: no request data arrived and no response"
                        + " could be sent (the client must keep reading as well as sending;"
                        + " limits.streamIdleSeconds)");
    }

    @Test
    void corpusAndGeneratedInputs_getTypedErrors_andAValidRequestStillDecrypts()
            throws Exception {
        List<byte[]> seeds = Mutations.corpus(CORPUS);
        Mutations mutations = new Mutations(8, seeds);
        for (int i = 0; i < seeds.size() + GENERATED; i++) {
            byte[] input = i < seeds.size() ? seeds.get(i) : mutations.next();
            try {
                DecryptCall.decrypt(deployment.channel(), null, input, 16 * 1024);
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getCode()).as("input %d: %s", i, e.getStatus())
                        .isEqualTo(Status.Code.INVALID_ARGUMENT);
            }
        }

        assertThat(DecryptCall.decrypt(deployment.channel(), null, valid, 1024).plaintext())
                .isEqualTo(PLAINTEXT);
    }

    static StatusRuntimeException refused(byte[] message) {
        return catchThrowableOfType(StatusRuntimeException.class,
                () -> DecryptCall.decrypt(deployment.channel(), null, message, 64 * 1024));
    }

    static byte[] corpus(String file) throws Exception {
        return Files.readAllBytes(CORPUS.resolve(file));
    }

    static byte[] encryptStreamed(byte[] plaintext, Path recipient) throws Exception {
        Path in = Files.write(dir.resolve("big-plain"), plaintext);
        Path out = dir.resolve("big-enc");
        Processes.check(List.of("openssl", "cms", "-encrypt", "-binary", "-stream",
                "-aes-256-cbc", "-outform", "DER", "-in", in.toString(), "-out", out.toString(),
                recipient.toString()), dir);
        return Files.readAllBytes(out);
    }

    static byte[] encrypt(Path recipient) throws Exception {
        return encrypt(PLAINTEXT, recipient);
    }

    /** {@code plaintext} encrypted with definite lengths (DER), as OpenSSL does by default. */
    static byte[] encrypt(byte[] plaintext, Path recipient) throws Exception {
        return OpenSsl.encrypt(dir, "-aes-256-gcm", plaintext, recipient);
    }
}
