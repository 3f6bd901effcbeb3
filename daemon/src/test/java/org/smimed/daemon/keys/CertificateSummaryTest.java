package org.smimed.daemon.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** Serials as auditors search for them: as OpenSSL prints them. */
class CertificateSummaryTest {
    @Test
    void serial_keepsTheLeadingZeroOfItsFirstByte_asOpenSslPrintsIt() {
        // openssl x509 -serial: serial=092E6B09
        assertThat(CertificateSummary.serial(new BigInteger("092E6B09", 16)))
                .isEqualTo("092e6b09");
        assertThat(CertificateSummary.serial(new BigInteger("80", 16))).isEqualTo("80");
        assertThat(CertificateSummary.serial(BigInteger.ONE)).isEqualTo("01");
        assertThat(CertificateSummary.serial(BigInteger.valueOf(-0x123))).isEqualTo("-0123");
    }
}
