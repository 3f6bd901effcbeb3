package org.smimed.daemon.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.Test;

class CertificateHoldersTest {
    private static final Path RFC9216 = Path.of("src", "test", "resources", "rfc9216");

    @Test
    void aCertificateIsParsedOnce_andMatchesWhatItWasParsedFrom() throws Exception {
        X509Certificate alice = read("lamps-alice.crt");
        X509Certificate aliceAgain = read("lamps-alice.crt");
        X509Certificate carlos = read("lamps-carlos.crt");
        CertificateHolders holders = new CertificateHolders();

        X509CertificateHolder first = holders.of(alice);

        assertThat(first.getEncoded()).isEqualTo(alice.getEncoded());
        // The same certificate, even as another object (a registry reload), is not parsed again.
        assertThat(holders.of(alice)).isSameAs(first);
        assertThat(holders.of(aliceAgain)).isSameAs(first);
        assertThat(holders.of(carlos).getEncoded()).isEqualTo(carlos.getEncoded());
    }

    private static X509Certificate read(String name) throws Exception {
        try (InputStream in = Files.newInputStream(RFC9216.resolve(name))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
        }
    }
}
