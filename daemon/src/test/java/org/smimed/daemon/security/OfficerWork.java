package org.smimed.daemon.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.testing.Smimectl;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Officer work through the real smimectl as the demo officer, on a deployment with an admin
 * listener: a key generated, certified, activated and rotated; a PKCS#12 file imported with
 * its password in a private file.
 */
final class OfficerWork {
    static final String ROTATED = "rotated@smimed.example";
    static final String IMPORTED = "imported@smimed.example";

    private final Smimectl officer;
    private final Path dir;
    private final OfficerCa ca;

    OfficerWork(TestDeployment deployment) throws Exception {
        this.officer = Smimectl.demoOfficer(deployment.dir(),
                "localhost:" + deployment.daemon().adminPort());
        this.dir = Files.createTempDirectory(deployment.dir(), "officer");
        this.ca = OfficerCa.create(Clock.systemUTC());
    }

    /** Rotates {@link #ROTATED} to v2 and imports {@link #IMPORTED} from a PKCS#12 file. */
    void rotateAndImport(String pkcs12Password) throws Exception {
        ok("generate", ROTATED, "--alg", "p256", "--usage", "both");
        ok("csr", ROTATED + "/v1", "--subject", "CN=Rotated", "--out", csr("v1").toString());
        certifyAndActivate("v1");
        ok("rotate", ROTATED, "--out", csr("v2").toString());
        certifyAndActivate("v2");

        Path p12 = pkcs12(pkcs12Password);
        Path passwordFile = Files.writeString(dir.resolve("p12.pw"), pkcs12Password + "\n");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        assertThat(ok("import-pkcs12", IMPORTED, p12.toString(), "--password-file",
                passwordFile.toString())).isEqualTo(IMPORTED + "/v1  PENDING  p256  both\n");
    }

    private Path csr(String version) {
        return dir.resolve(version + ".csr");
    }

    private void certifyAndActivate(String version) throws Exception {
        PKCS10CertificationRequest request;
        try (PEMParser pem = new PEMParser(new StringReader(Files.readString(csr(version))))) {
            request = (PKCS10CertificationRequest) pem.readObject();
        }
        X509Certificate cert = ca.issue(request.getEncoded(), ROTATED, true, true,
                Duration.ofDays(30));
        Path chain = ca.writeChain(dir.resolve(version + "-chain.pem"), cert);
        ok("import-cert", ROTATED + "/" + version, chain.toString());
        assertThat(ok("activate", ROTATED + "/" + version))
                .isEqualTo(ROTATED + "/" + version + "  ACTIVE  p256  both\n");
    }

    private Path pkcs12(String password) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair pair = generator.generateKeyPair();
        X509Certificate cert = ca.issue(pair.getPublic(), IMPORTED, true, true,
                Duration.ofDays(30));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("key", pair.getPrivate(), password.toCharArray(),
                new Certificate[] {cert, ca.certificate()});
        Path file = dir.resolve("imported.p12");
        try (var out = Files.newOutputStream(file)) {
            store.store(out, password.toCharArray());
        }
        return file;
    }

    private String ok(String... args) {
        return officer.ok(args);
    }
}
