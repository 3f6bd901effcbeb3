package org.smimed.daemon.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Each check of EME-PKCS1-v1_5 decoding, alone, turns a valid block into the substitute. */
class Pkcs1DecodingTest {
    private static final byte[] CEK = filled(32, 0x42);
    private static final byte[] SUBSTITUTE = filled(32, 0x5a);

    @Test
    void validBlock_givesTheMessage() {
        assertThat(Pkcs1Decoding.decodeOrSubstitute(valid(), SUBSTITUTE)).isEqualTo(CEK);
    }

    @Test
    void eachBrokenCheck_givesTheSubstitute() {
        int separator = 256 - 32 - 1;
        int[][] edits = {{0, 1}, {1, 1}, {1, 0}, {2, 0}, {separator - 1, 0}, {separator, 9}};
        for (int[] edit : edits) {
            byte[] block = valid();
            block[edit[0]] = (byte) edit[1];
            assertThat(Pkcs1Decoding.decodeOrSubstitute(block, SUBSTITUTE))
                    .as("byte %d set to %d", edit[0], edit[1]).isEqualTo(SUBSTITUTE);
        }
    }

    @Test
    void aMessageOfAnotherLength_givesTheSubstitute() {
        byte[] block = valid();
        block[256 - 17] = 0; // a 16-byte message
        block[256 - 33] = 1;
        assertThat(Pkcs1Decoding.decodeOrSubstitute(block, SUBSTITUTE)).isEqualTo(SUBSTITUTE);
    }

    @Test
    void aModulusTooShortForTheKey_givesTheSubstitute() {
        assertThat(Pkcs1Decoding.decodeOrSubstitute(new byte[42], SUBSTITUTE))
                .isEqualTo(SUBSTITUTE);
    }

    private static byte[] valid() {
        byte[] block = filled(256, 0x11);
        block[0] = 0;
        block[1] = 2;
        block[256 - 33] = 0;
        System.arraycopy(CEK, 0, block, 256 - 32, 32);
        return block;
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
