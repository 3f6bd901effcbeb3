package org.smimed.daemon.testing;

import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.KeyAgreeRecipientInfo;
import org.bouncycastle.asn1.cms.RecipientEncryptedKey;
import org.bouncycastle.asn1.cms.RecipientInfo;
import org.bouncycastle.util.Arrays;

/** Changes one byte in a chosen part of a CMS message, for masking tests. */
public final class Tamper {
    private Tamper() {
    }

    private static KeyAgreeRecipientInfo kari(byte[] message) {
        ASN1Sequence sequence = ASN1Sequence.getInstance(ContentInfo.getInstance(message)
                .getContent());
        for (var element : sequence) {
            if (element instanceof ASN1Set set) {
                return KeyAgreeRecipientInfo.getInstance(
                        RecipientInfo.getInstance(set.getObjectAt(0)).getInfo());
            }
        }
        throw new IllegalStateException("no recipientInfos");
    }

    public static byte[] wrappedKey(byte[] message) {
        return RecipientEncryptedKey.getInstance(kari(message).getRecipientEncryptedKeys()
                .getObjectAt(0)).getEncryptedKey().getOctets();
    }

    public static byte[] ephemeralKey(byte[] message) {
        return kari(message).getOriginator().getOriginatorKey().getPublicKey().getBytes();
    }

    public static byte[] flipInside(byte[] message, byte[] part) {
        for (int i = 0; i + part.length <= message.length; i++) {
            if (Arrays.areEqual(message, i, i + part.length, part, 0, part.length)) {
                return flipAt(message, i + part.length / 2);
            }
        }
        throw new IllegalStateException("part not found");
    }

    /**
     * Breaks CBC padding for certain: flips the last byte of the second-to-last block of
     * {@code ciphertext} (found in {@code message}), which flips the last plaintext byte — the
     * padding length — to a value above 16. A flip anywhere in the last block would leave valid
     * padding about once in 256 messages.
     */
    public static byte[] breakCbcPadding(byte[] message, byte[] ciphertext) {
        for (int i = 0; i + ciphertext.length <= message.length; i++) {
            if (Arrays.areEqual(message, i, i + ciphertext.length, ciphertext, 0,
                    ciphertext.length)) {
                return flipAt(message, i + ciphertext.length - 17);
            }
        }
        throw new IllegalStateException("ciphertext not found");
    }

    public static byte[] flipAt(byte[] message, int index) {
        byte[] copy = message.clone();
        copy[index] ^= 0x55;
        return copy;
    }
}
