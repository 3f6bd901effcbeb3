package org.smimed.daemon.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
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

        Path p12 = ca.writePkcs12(dir.resolve("imported.p12"), IMPORTED, pkcs12Password);
        Path passwordFile = Smimectl.passwordFile(dir.resolve("p12.pw"), pkcs12Password);
        assertThat(ok("import-pkcs12", IMPORTED, p12.toString(), "--password-file",
                passwordFile.toString())).isEqualTo(IMPORTED + "/v1  PENDING  p256  both\n");
    }

    private Path csr(String version) {
        return dir.resolve(version + ".csr");
    }

    private void certifyAndActivate(String version) throws Exception {
        X509Certificate cert = ca.issue(csr(version), ROTATED, true, true, Duration.ofDays(30));
        Path chain = ca.writeChain(dir.resolve(version + "-chain.pem"), cert);
        ok("import-cert", ROTATED + "/" + version, chain.toString());
        assertThat(ok("activate", ROTATED + "/" + version))
                .isEqualTo(ROTATED + "/" + version + "  ACTIVE  p256  both\n");
    }

    private String ok(String... args) {
        return officer.ok(args);
    }
}
