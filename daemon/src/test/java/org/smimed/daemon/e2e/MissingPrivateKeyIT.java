package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.DirectoryServiceGrpc;
import org.smimed.api.v1.GetIdentityRequest;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.Daemon;
import org.smimed.daemon.config.ConfigLoader;
import org.smimed.daemon.testing.AuditRecords;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.Smimectl;
import org.smimed.daemon.testing.TestDeployment;
import org.smimed.daemon.testing.TokenPicture;

/**
 * What an operator trial did: a served version's private key deleted from the token with
 * pkcs11-tool (standing in for a token fault), then the daemon restarted. Start-up used to
 * "repair" it by removing its certificate and public key for good. Now everything left of it
 * stays on the token, it is not served, and an officer finds it in {@code smimectl token}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MissingPrivateKeyIT {
    private static final String LOST = TestDeployment.EC + "/v1";

    @TempDir
    static Path dir;
    private static SoftHsm.Token token;
    private static Daemon daemon;
    private static Path config;

    @BeforeAll
    static void start() throws Exception {
        token = SoftHsm.createToken("lost");
        TestDeployment.provision(dir, token);
        pkcs11Tool("--delete-object", "--type", "privkey", "--label", LOST);
        config = TestDeployment.writeConfig(dir, token);
        TestDeployment.addConfig(config, "admin: {listen: {address: 127.0.0.1, port: 0}}");
        daemon = Daemon.start(new ConfigLoader().load(config), System::getenv,
                Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    @Test
    @Order(1)
    void aVersionWithoutItsPrivateKey_isKeptOnTheToken_notServed_andNamedToOfficers()
            throws Exception {
        Smimectl officer = Smimectl.demoOfficer(dir, "localhost:" + daemon.adminPort());

        Smimectl.Run listed = officer.run("list");
        assertThat(listed.out()).contains(TestDeployment.RSA + "/v1").doesNotContain(LOST);
        // Not listed, not served: the list says where to look (a fault trial's list of a
        // corrupted token was empty, exit 0, with nothing said).
        assertThat(listed.exit()).isZero();
        assertThat(listed.err()).isEqualTo("smimectl: the token has 1 problem(s), such as"
                + " versions not listed here because they cannot be served: 'smimectl token'"
                + " names them\n");
        // Asked for that identity alone: not "no key versions" (an officer trial).
        Smimectl.Run identity = officer.run("list", TestDeployment.EC);
        assertThat(identity.exit()).isEqualTo(1);
        assertThat(identity.err()).isEqualTo("smimectl: no key versions listed for identity '"
                + TestDeployment.EC + "': the token has 1 problem(s) with its versions, which"
                + " cannot be served: 'smimectl token' names them\n");
        assertThat(officer.ok("token")).contains("problem:      " + LOST + ": its private key"
                + " is missing from the token");
        assertThat(officer.ok("token", "--json")).contains("\"problems\": [\"" + LOST);
        assertThat(TokenPicture.read(token).of(LOST)).as("what is left of " + LOST)
                .containsExactly(TokenPicture.CERTIFICATE, TokenPicture.PUBLIC_KEY);
    }

    /** Found by an operator trial: the service was told "unknown identity". */
    @Test
    @Order(2)
    void signingForAnIdentityWhoseOnlyKeyIsMissing_saysSo() throws Exception {
        ManagedChannel channel = org.smimed.client.Channels.tls("localhost:" + daemon.port(),
                dir.resolve("pki/ca.crt"), dir.resolve("pki/client.crt"),
                dir.resolve("pki/client.key"));
        try {
            assertThatThrownBy(() -> SigningServiceGrpc.newBlockingStub(channel).sign(SignRequest
                    .newBuilder().setIdentity(TestDeployment.EC)
                    .setContent(ByteString.copyFromUtf8("m")).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode())
                                .isEqualTo(Status.Code.FAILED_PRECONDITION);
                        assertThat(e.getStatus().getDescription()).isEqualTo("identity '"
                                + TestDeployment.EC + "' has no key that may sign now: " + LOST
                                + "'s private key is missing from the token (an officer sees"
                                + " it in smimectl token)");
                    });
            // smime sign asks the directory first: it says the same, not "unknown identity".
            assertThatThrownBy(() -> DirectoryServiceGrpc.newBlockingStub(channel).getIdentity(
                    GetIdentityRequest.newBuilder().setIdentity(TestDeployment.EC).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode())
                                .isEqualTo(Status.Code.FAILED_PRECONDITION);
                        assertThat(e.getStatus().getDescription()).contains(LOST
                                + "'s private key is missing from the token");
                    });
            // The other identity is served as before.
            assertThat(SigningServiceGrpc.newBlockingStub(channel).sign(SignRequest.newBuilder()
                    .setIdentity(TestDeployment.RSA).setContent(ByteString.copyFromUtf8("m"))
                    .build()).getKeyVersion()).isEqualTo(TestDeployment.RSA + "/v1");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * A key that cannot be restored: an officer removes what is left through smimectl (audited)
     * instead of pkcs11-tool, confirming with the certificate's fingerprint; the version stays
     * a DESTROYED tombstone, as any destroyed one.
     */
    @Test
    @Order(3)
    void whatIsLeftOfAVersionWhoseKeyIsGone_anOfficerDestroys() throws Exception {
        Smimectl officer = Smimectl.demoOfficer(dir, "localhost:" + daemon.adminPort());
        String fingerprint = Processes.check(List.of("openssl", "x509", "-noout", "-fingerprint",
                "-sha256", "-in", dir.resolve("pki/" + TestDeployment.EC + ".crt").toString()),
                dir).stdout().trim().replaceFirst("^.*=", "");
        assertThat(officer.ok("token")).contains("smimectl destroy " + LOST + " --confirm "
                + fingerprint.replace(":", "").toLowerCase(java.util.Locale.ROOT));

        Smimectl.Run wrong = officer.run("destroy", LOST, "--confirm", "00".repeat(32));
        assertThat(wrong.exit()).isNotZero();
        assertThat(wrong.daemonError()).contains("fingerprint does not match");
        assertThat(TokenPicture.read(token).of(LOST)).hasSize(2);

        // A key back since the daemon last read the token (restored from a backup; here a
        // stand-in under the version's id) is missing no more: destroy wants it disabled
        // first, as any served version, and leaves it (found by a review).
        Path standIn = dir.resolve("stand-in.der");
        Processes.check(List.of("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-outform", "DER", "-out", standIn.toString()), dir);
        pkcs11Tool("--write-object", standIn.toString(), "--type", "privkey", "--id",
                idOf(LOST), "--label", LOST);
        assertThat(officer.run("destroy", LOST, "--confirm", fingerprint).daemonError())
                .contains("it is ACTIVE (allowed from [DISABLED])");
        assertThat(TokenPicture.read(token).of(LOST)).contains(TokenPicture.PRIVATE_KEY);
        pkcs11Tool("--delete-object", "--type", "privkey", "--label", LOST);
        daemon.close();
        daemon = Daemon.start(new ConfigLoader().load(config), System::getenv,
                Clock.systemUTC());
        officer = Smimectl.demoOfficer(dir, "localhost:" + daemon.adminPort());

        assertThat(officer.ok("destroy", LOST, "--confirm", fingerprint)).contains(LOST,
                "DESTROYED");
        assertThat(TokenPicture.read(token).of(LOST)).as("what is left of " + LOST)
                .containsExactly(TokenPicture.DATA);
        assertThat(officer.ok("token")).doesNotContain(LOST);
        assertThat(officer.field(LOST, "state")).isEqualTo("DESTROYED");
        assertThat(AuditRecords.read(dir.resolve("audit.log"))).anySatisfy(r -> {
            assertThat(r.get("method")).endsWith("KeyAdminService/Destroy");
            assertThat(r.get("keyVersion")).isEqualTo(LOST);
            assertThat(r.get("outcome")).isEqualTo("OK");
        });
    }

    /** The CKA_ID (hex) of the certificate labelled {@code label}, as pkcs11-tool lists it. */
    private static String idOf(String label) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("label:\\s+"
                + java.util.regex.Pattern.quote(label) + "\\n(?:.*\\n)*?\\s+ID:\\s+([0-9a-f]+)")
                .matcher(pkcs11Tool("--list-objects", "--type", "cert"));
        assertThat(m.find()).as("certificate " + label + " listed").isTrue();
        return m.group(1);
    }

    /** A security review: one version's missing public key failed every ListKeys. */
    @Test
    @Order(4)
    void aPendingVersionWithoutItsPublicKey_failsNoListing() throws Exception {
        Smimectl officer = Smimectl.demoOfficer(dir, "localhost:" + daemon.adminPort());
        officer.ok("generate", "no-public@smimed.example", "--alg", "p256", "--usage", "sign");
        pkcs11Tool("--delete-object", "--type", "pubkey", "--label",
                "no-public@smimed.example/v1");

        assertThat(officer.ok("list")).contains("no-public@smimed.example/v1  PENDING")
                .contains(TestDeployment.RSA + "/v1");
    }

    /**
     * An officer trial: a version without a certificate whose key is gone had no fingerprint
     * anywhere smimectl shows one, so it could not be destroyed.
     */
    @Test
    @Order(5)
    void aVersionWithoutCertificateWhoseKeyIsGone_isNamedWithItsDestroyCommand()
            throws Exception {
        Smimectl officer = Smimectl.demoOfficer(dir, "localhost:" + daemon.adminPort());
        String version = "no-cert@smimed.example/v1";
        officer.ok("generate", "no-cert@smimed.example", "--alg", "p256", "--usage", "sign");
        pkcs11Tool("--delete-object", "--type", "privkey", "--label", version);

        Pattern hint = Pattern.compile(Pattern.quote(version) + ": its private key is missing"
                + ".*smimectl destroy " + Pattern.quote(version) + " --confirm ([0-9a-f]{64})"
                + " removes what is left");
        Matcher found = hint.matcher("");
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!found.reset(officer.ok("token")).find()) {
            assertThat(System.nanoTime()).as("the daemon names " + version + " with its"
                    + " destroy command").isLessThan(giveUp);
            Thread.sleep(500);
        }

        assertThat(officer.ok("destroy", version, "--confirm", found.group(1)))
                .contains(version + "  DESTROYED");
    }

    private static String pkcs11Tool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("pkcs11-tool", "--module",
                SoftHsm.LIBRARY.toString(), "--token-label", token.label(), "--login", "--pin",
                token.pin()));
        command.addAll(List.of(args));
        return Processes.check(command, dir).stdout();
    }
}
