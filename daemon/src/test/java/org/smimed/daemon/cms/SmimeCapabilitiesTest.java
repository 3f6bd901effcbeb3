package org.smimed.daemon.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Sequence;
import org.junit.jupiter.api.Test;

class SmimeCapabilitiesTest {
    /** Found by a review: a 3DES-only deployment announced nothing, silently. */
    @Test
    void tripleDesAlone_announcesNothingAndSaysSo() {
        SmimeCapabilities capabilities =
                SmimeCapabilities.of(EnumSet.of(ContentCipher.DES_EDE3_CBC));

        byte[] announced = capabilities.encoded(Optional.empty());

        assertThat(ASN1Sequence.getInstance(announced).size()).isZero();
        assertThat(capabilities.warning()).hasValueSatisfying(w -> assertThat(w)
                .contains("only Triple DES", "refuse"));
    }

    @Test
    void anyAesAlgorithm_isAnnouncedWithoutWarning() {
        SmimeCapabilities capabilities = SmimeCapabilities.of(
                EnumSet.of(ContentCipher.DES_EDE3_CBC, ContentCipher.AES128_CBC));

        byte[] announced = capabilities.encoded(Optional.empty());

        assertThat(ASN1Sequence.getInstance(announced).size()).isEqualTo(1);
        assertThat(capabilities.warning()).isEmpty();
    }
}
