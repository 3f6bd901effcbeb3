package org.smimed.daemon.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.client.Channels;
import org.smimed.daemon.Daemon;
import org.smimed.daemon.config.ConfigLoader;
import org.smimed.daemon.testing.AuditRecords;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.TestDeployment;

/**
 * A client certificate revoked with OpenSSL's {@code ca -revoke} and {@code -gencrl}, as a CA
 * operator does, is refused once the CRL file changes — on the connection it already had
 * too. Found by a security review: nothing but expiry ended a stolen certificate's rights.
 */
class ClientCrlIT {
    @TempDir
    Path dir;

    @Test
    void aCertificateRevokedInTheCrlFile_isRefusedOnItsOpenConnection() throws Exception {
        Path config = TestDeployment.provisionedConfig(dir, "crl");
        Path pki = dir.resolve("pki");
        Path ca = Files.createDirectory(dir.resolve("openssl-ca"));
        Files.writeString(ca.resolve("index.txt"), "");
        Files.writeString(ca.resolve("crlnumber"), "01\n");
        Files.writeString(ca.resolve("ca.cnf"), """
                [ca]
                default_ca = clients
                [clients]
                database = index.txt
                crlnumber = crlnumber
                default_md = sha256
                default_crl_days = 7
                """);
        Path crl = dir.resolve("clients-crl.pem");
        openSslCa(ca, pki, "-gencrl", "-out", crl.toString());
        TestDeployment.addConfig(config, "tls: {clientCrls: " + crl + "}\n"
                + "operations: {tlsCheckSeconds: 1}\n");

        try (Daemon daemon = Daemon.start(new ConfigLoader().load(config), System::getenv,
                Clock.systemUTC())) {
            ManagedChannel channel = Channels.tls("localhost:" + daemon.port(),
                    pki.resolve("ca.crt"), pki.resolve("client.crt"), pki.resolve("client.key"));
            try {
                assertThat(sign(channel).getSignedData().isEmpty()).isFalse();

                openSslCa(ca, pki, "-revoke", pki.resolve("client.crt").toString());
                openSslCa(ca, pki, "-gencrl", "-out", crl.toString());

                StatusRuntimeException refused = refusedWithin(channel, 30);
                assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(refused.getStatus().getDescription())
                        .isEqualTo("the client certificate has been revoked");
                List<Map<String, String>> records = AuditRecords.read(dir.resolve("audit.log"));
                assertThat(records.get(records.size() - 1)).containsEntry("caller",
                        "unverified: CN=smimed demo client,O=smimed demo")
                        .containsEntry("status", "UNAUTHENTICATED");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Signs on {@code channel} until it is refused; fails if it never is. */
    private static StatusRuntimeException refusedWithin(ManagedChannel channel, int seconds)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try {
                sign(channel);
            } catch (StatusRuntimeException e) {
                return e;
            }
            Thread.sleep(100);
        }
        return fail("still served " + seconds + " s after the CRL revoked it");
    }

    private static org.smimed.api.v1.SignResponse sign(ManagedChannel channel) {
        return SigningServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .sign(SignRequest.newBuilder().setIdentity(TestDeployment.RSA)
                        .setContent(ByteString.copyFromUtf8("hello")).build());
    }

    private static void openSslCa(Path ca, Path pki, String... arguments) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl", "ca", "-batch",
                "-config", "ca.cnf", "-cert", pki.resolve("ca.crt").toString(), "-keyfile",
                pki.resolve("ca.key").toString()));
        command.addAll(List.of(arguments));
        Processes.check(command, ca);
    }
}
