package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.smimed.client.Channels;
import org.smimed.daemon.testing.AuditRecords;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.Smimectl;
import org.smimed.daemon.testing.TestDeployment;
import org.smimed.daemon.testing.TokenPicture;

/**
 * What the security officer of {@link CrashSafetyIT} does around a crash: prepares versions
 * with certificates from a CA of their own, files dual-control requests, and checks afterwards
 * that token, admin API, audit log and the key itself agree.
 */
final class Officer {
    private static final Pattern VERSION = Pattern.compile(
            "\\{\"version\": \"([^\"]+)\"[^}]*\"state\": \"([^\"]+)\"");
    private static final String PLAINTEXT = "Content-Type: text/plain\r\n\r\nafter the crash\r\n";

    private final CrashRig rig;
    private final Path dir;
    private final Clock clock;
    private final Map<String, X509Certificate> certificates = new HashMap<>();

    Officer(CrashRig rig, Path dir, Clock clock) {
        this.rig = rig;
        this.dir = dir;
        this.clock = clock;
    }

    /** A chain (leaf, new CA) certifying {@code version}'s public key as the token shows it. */
    Path chainFor(String version) throws Exception {
        String pem = rig.ok("public-key", version).replaceAll("-----[A-Z ]+-----|\\s", "");
        PublicKey key = KeyFactory.getInstance("EC").generatePublic(
                new X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
        OfficerCa ca = OfficerCa.create(clock);
        X509Certificate leaf = ca.issue(key, version.substring(0, version.indexOf('/')), true,
                true, Duration.ofDays(30));
        certificates.put(version, leaf);
        return ca.writeChain(dir.resolve(version.replace('/', '_') + ".chain.pem"), leaf);
    }

    /** Generates the identity's next version and imports a certificate for it. */
    String pendingWithCertificate(String identity) throws Exception {
        String out = rig.ok("generate", identity, "--alg", "p256", "--usage", "both");
        String version = out.substring(0, out.indexOf(' '));
        rig.ok("import-cert", version, chainFor(version).toString());
        return version;
    }

    /** Files a PKCS#12 migration of a new P-256 key for {@code identity}; the request id. */
    String requestPkcs12(String identity) throws Exception {
        Path file = OfficerCa.create(clock).writePkcs12(
                dir.resolve(identity + "-" + System.nanoTime() + ".p12"), identity, "crash-p12");
        Path passwordFile = Smimectl.passwordFile(dir.resolve("p12.pw"), "crash-p12");
        return rig.request("import-pkcs12", identity, file.toString(), "--password-file",
                passwordFile.toString());
    }

    /** Disables {@code version}, confirmed with its fingerprint. */
    void disable(String version) {
        rig.ok("disable", version, "--confirm", rig.field(version, "fingerprint").orElseThrow());
    }

    /** Files the destruction of a DISABLED version; the request id. */
    String requestDestroy(String version) {
        return rig.request("destroy", version, "--confirm",
                rig.field(version, "fingerprint").orElseThrow());
    }

    /** The killed call failed as a dropped connection does, not with an answer. */
    void assertFailedMidway(CrashRig.Crash crash, String method) throws Exception {
        assertThat(crash.call().exit()).as(crash.call().out()).isNotZero();
        assertThat(crash.call().err()).contains("UNAVAILABLE");
        // The audit log names the change the daemon died in (found by an officer trial: a
        // killed generate or destroy left no record): its STARTED record, with no outcome.
        List<Map<String, String>> records = AuditRecords.read(dir.resolve("audit.log"));
        Map<String, String> last = records.stream()
                .filter(r -> r.get("method").endsWith("KeyAdminService/" + method))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(last.get("outcome")).as(method + " killed").isEqualTo("STARTED");
        assertThat(records).filteredOn(r -> r.get("requestId").equals(last.get("requestId")))
                .as("records of the killed call").hasSize(1);
        // And what start-up then changed on the token, each repair with the hash of its text.
        for (String repair : crash.repairs()) {
            String sha256 = java.util.HexFormat.of().formatHex(java.security.MessageDigest
                    .getInstance("SHA-256").digest(repair.getBytes(StandardCharsets.UTF_8)));
            assertThat(records).as("audit record of repair " + repair).anySatisfy(r -> {
                assertThat(r.get("event")).isEqualTo("STARTUP_REPAIR");
                assertThat(r.get("inputSha256")).isEqualTo(sha256);
                assertThat(repair).startsWith(r.get("keyVersion") + ": ");
            });
        }
    }

    /**
     * Every key version object on the token belongs to a listed version and is exactly what
     * its state needs; no identity has two ACTIVE versions; the audit log verifies; the demo key
 * provisioned before any crash still signs and decrypts.
     */
    void assertConsistent() throws Exception {
        Map<String, String> states = new HashMap<>();
        Matcher m = VERSION.matcher(rig.ok("list", "--json"));
        while (m.find()) {
            states.put(m.group(1), m.group(2));
        }
        TokenPicture picture = rig.picture();
        for (String label : picture.versionLabels("@crash\\.example")) {
            assertThat(states).as("objects of %s belong to a listed version", label)
                    .containsKey(label);
            List<String> objects = picture.of(label);
            switch (states.get(label)) {
                case "DESTROYED" -> assertThat(objects).as(label).containsExactly(
                        TokenPicture.DATA);
                case "ACTIVE", "DECRYPT_ONLY" -> assertThat(objects).as(label).containsExactly(
                        TokenPicture.CERTIFICATE, TokenPicture.DATA, TokenPicture.PRIVATE_KEY,
                        TokenPicture.PUBLIC_KEY);
                default -> assertThat(objects).as(label).containsSubsequence(
                        TokenPicture.DATA, TokenPicture.PRIVATE_KEY, TokenPicture.PUBLIC_KEY)
                        .hasSizeBetween(3, 4);
            }
        }
        Map<String, Long> active = new HashMap<>();
        states.forEach((v, s) -> {
            if (s.equals("ACTIVE")) {
                active.merge(v.substring(0, v.indexOf('/')), 1L, Long::sum);
            }
        });
        assertThat(active.values()).allMatch(n -> n == 1);
        assertThat(rig.ok("audit", "verify", dir.resolve("audit.log").toString()))
                .contains(": intact, ");
        assertDemoKeyServes();
    }

    /** The demo RSA identity provisioned before any crash still signs and decrypts. */
    private void assertDemoKeyServes() throws Exception {
        String demo = TestDeployment.RSA + "/demo";
        if (!certificates.containsKey(demo)) {
            try (var in = Files.newInputStream(dir.resolve("pki/" + TestDeployment.RSA
                    + ".crt"))) {
                certificates.put(demo, (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(in));
            }
        }
        assertSignsAndDecrypts(TestDeployment.RSA, demo);
    }

    /** Signs as {@code identity} (verified with {@code version}'s certificate) and decrypts. */
    void assertSignsAndDecrypts(String identity, String version) throws Exception {
        ManagedChannel channel = channel();
        try {
            assertThat(SigningLoop.start(channel, identity, certificates.get(version), 1, 2)
                    .finish()).isEqualTo(new SigningLoop.Outcome(2, 0, List.of()));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertDecrypts(identity, version);
    }

    /** A message OpenSSL encrypted to {@code version}'s certificate decrypts. */
    void assertDecrypts(String identity, String version) throws Exception {
        Path cert = dir.resolve(version.replace('/', '_') + ".crt");
        try (JcaPEMWriter pem = new JcaPEMWriter(Files.newBufferedWriter(cert))) {
            pem.writeObject(certificates.get(version));
        }
        Path in = Files.writeString(dir.resolve("plain.txt"), PLAINTEXT);
        Path out = dir.resolve("to-" + version.replace('/', '_') + ".der");
        Processes.check(List.of("openssl", "cms", "-encrypt", "-binary", "-aes256", "-in",
                in.toString(), "-outform", "DER", "-out", out.toString(), cert.toString()), dir);
        ManagedChannel channel = channel();
        try {
            byte[] plaintext = DecryptCall.decrypt(channel, identity, Files.readAllBytes(out),
                    4096).plaintext();
            assertThat(new String(plaintext, StandardCharsets.US_ASCII)).isEqualTo(PLAINTEXT);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private ManagedChannel channel() throws Exception {
        return Channels.tls("localhost:" + rig.daemon().port(), dir.resolve("pki/ca.crt"),
                dir.resolve("pki/client.crt"), dir.resolve("pki/client.key"));
    }
}
