package org.smimed.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignatureAlgorithm;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.client.Channels;
import org.smimed.daemon.testing.DaemonProcess;
import org.smimed.daemon.testing.TestDeployment;

/**
 * An HSM that does not offer RSASSA-PSS, as many do not: SoftHSM2 with the PSS mechanisms
 * taken out of its slots (slots.mechanisms). SunPKCS11 then has no PSS signature, and every
 * PSS request was INTERNAL with a stack trace in the log (a security review); PKCS#1 v1.5 goes
 * on working.
 */
class TokenWithoutPssIT {
    /**
     * A list after "-" names the mechanisms taken out. SoftHSM2 2.6.1 skips the first name of
     * such a list (measured with pkcs11-tool -M), so it is given twice; "ALL,-…" takes out
     * every mechanism instead.
     */
    private static final String NO_PSS = "slots.mechanisms = -CKM_SHA512_RSA_PKCS_PSS,"
            + "CKM_RSA_PKCS_PSS,CKM_SHA1_RSA_PKCS_PSS,CKM_SHA224_RSA_PKCS_PSS,"
            + "CKM_SHA256_RSA_PKCS_PSS,CKM_SHA384_RSA_PKCS_PSS,CKM_SHA512_RSA_PKCS_PSS\n";

    @TempDir
    static Path dir;

    @Test
    void pssRequested_isInvalidArgumentNamingTheMechanism_andPkcs1StillSigns() throws Exception {
        Path config = TestDeployment.provisionedConfig(dir, "no-pss");
        Path conf = Files.writeString(dir.resolve("softhsm2-no-pss.conf"),
                Files.readString(Path.of(System.getenv("SOFTHSM2_CONF"))) + NO_PSS);
        try (DaemonProcess daemon = DaemonProcess.start(config, conf)) {
            ManagedChannel channel = Channels.tls("localhost:" + daemon.port(),
                    dir.resolve("pki/ca.crt"), dir.resolve("pki/client.crt"),
                    dir.resolve("pki/client.key"));
            try {
                var signing = SigningServiceGrpc.newBlockingStub(channel);
                SignRequest.Builder request = SignRequest.newBuilder()
                        .setIdentity(TestDeployment.RSA)
                        .setContent(ByteString.copyFromUtf8("Content-Type: text/plain\r\n\r\nx"));

                StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                        () -> signing.sign(request.setSignatureAlgorithm(
                                SignatureAlgorithm.SIGNATURE_ALGORITHM_RSA_PSS).build()));

                assertThat(e.getStatus().getCode()).as(daemon.log())
                        .isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription()).isEqualTo("the token does not offer"
                        + " RSA_PSS signatures with SHA256 (CKM_RSA_PKCS_PSS): ask for another"
                        + " signature_algorithm, or leave it unset for the default");
                assertThat(signing.sign(request.setSignatureAlgorithm(
                        SignatureAlgorithm.SIGNATURE_ALGORITHM_UNSPECIFIED).build())
                        .getSignedData().isEmpty()).isFalse();
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
