package org.smimed.daemon.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smimed.daemon.testing.TestDeployment.EC;
import static org.smimed.daemon.testing.TestDeployment.RSA;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.FileHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Runs the daemon, signs, decrypts and provokes refusals and failures, rotates a key and
 * imports a PKCS#12 file (password from a private file) with the real smimectl over the admin
 * listener, then searches every log line the daemon wrote (all of java.util.logging, at every
 * level for smimed) and the audit log for the PIN, the PKCS#12 password and the plaintexts:
 * none may appear.
 */
class SecretsHygieneIT {
    private static final String SIGNED_SECRET = "signed-secret-7f3a9c1e-do-not-log";
    private static final String DECRYPTED_SECRET = "decrypted-secret-44b0d2-do-not-log";
    private static final String P12_PASSWORD = "p12-password-91c7e0-do-not-log";
    private static final String ADMIN = "admin:\n  listen:\n    address: 127.0.0.1\n"
            + "    port: 0\n";

    @TempDir
    static Path dir;

    @Test
    void pinPasswordAndPlaintext_appearInNoLogAndNotInTheAuditLog() throws Exception {
        Path logFile = dir.resolve("daemon.log");
        Logger root = Logger.getLogger("");
        Logger smimed = Logger.getLogger("org.smimed");
        FileHandler handler = new FileHandler(logFile.toString());
        handler.setFormatter(new SimpleFormatter());
        handler.setLevel(Level.ALL);
        smimed.setLevel(Level.ALL);
        root.addHandler(handler);
        String pin;
        try (TestDeployment deployment = TestDeployment.start(dir, List.of(), ADMIN)) {
            pin = deployment.token().pin();
            exercise(deployment);
            new OfficerWork(deployment).rotateAndImport(P12_PASSWORD);
        } finally {
            root.removeHandler(handler);
            handler.close();
        }

        String logs = Files.readString(logFile);
        String audit = Files.readString(dir.resolve("audit.log"));
        assertThat(logs).contains("smimed serving 2 identities", "decryption failed",
                "key version " + OfficerWork.ROTATED + "/v2 activated; it is ACTIVE",
                "key version " + OfficerWork.IMPORTED + "/v1 imported; it is PENDING");
        assertThat(audit.lines()).hasSizeGreaterThanOrEqualTo(5);
        assertThat(audit).contains("KeyAdminService/Activate", "KeyAdminService/ImportPkcs12");
        for (String secret : List.of(pin, P12_PASSWORD, SIGNED_SECRET, DECRYPTED_SECRET)) {
            byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
            // Also as a logger would dump bytes: Base64 and hex (either case).
            List<String> forms = List.of(secret, java.util.Base64.getEncoder()
                    .encodeToString(bytes), java.util.HexFormat.of().formatHex(bytes));
            for (String form : forms) {
                assertThat(logs.toLowerCase(java.util.Locale.ROOT)).as("daemon log")
                        .doesNotContain(form.toLowerCase(java.util.Locale.ROOT));
                assertThat(audit).as("audit log").doesNotContain(form);
            }
        }
    }

    private static void exercise(TestDeployment deployment) throws Exception {
        var signing = SigningServiceGrpc.newBlockingStub(deployment.channel());
        for (String identity : List.of(RSA, EC)) {
            signing.sign(SignRequest.newBuilder().setIdentity(identity)
                    .setContent(ByteString.copyFromUtf8(SIGNED_SECRET)).build());
        }
        Path plain = Files.writeString(dir.resolve("plain.txt"), DECRYPTED_SECRET);
        Path encrypted = dir.resolve("enc.der");
        Processes.check(List.of("openssl", "cms", "-encrypt", "-binary", "-aes-256-gcm",
                "-outform", "DER", "-in", plain.toString(), "-out", encrypted.toString(),
                deployment.certificate(RSA).toString()), dir);
        byte[] message = Files.readAllBytes(encrypted);
        assertThat(new String(DecryptCall.decrypt(deployment.channel(), null, message, 512)
                .plaintext(), StandardCharsets.UTF_8)).isEqualTo(DECRYPTED_SECRET);
        byte[] tampered = message.clone();
        tampered[tampered.length - 5] ^= 1;
        try {
            DecryptCall.decrypt(deployment.channel(), RSA, tampered, 512);
            throw new AssertionError("tampered message decrypted");
        } catch (StatusRuntimeException expected) {
            assertThat(expected.getStatus().getDescription()).isEqualTo("decryption failed");
        }
        try {
            signing.sign(SignRequest.newBuilder().setIdentity("nobody@smimed.example")
                    .setContent(ByteString.copyFromUtf8(SIGNED_SECRET)).build());
            throw new AssertionError("signed as an unknown identity");
        } catch (StatusRuntimeException expected) {
            assertThat(expected.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND);
            assertThat(expected.getStatus().getDescription()).doesNotContain(SIGNED_SECRET);
        }
    }
}
