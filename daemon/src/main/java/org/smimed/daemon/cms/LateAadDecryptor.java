package org.smimed.daemon.cms;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.Set;
import java.util.function.Predicate;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.operator.InputAEADDecryptor;

/**
 * What {@link AesGcmDecryptor} and {@link ChaChaPolyDecryptor} share as Bouncy Castle AEAD
 * decryptors: the refusal of an algorithm outside the allow-list, the authenticated
 * attributes, which Bouncy Castle's parser writes to {@link #getAADStream} after the content
 * and which are only used once the content has ended, and the tag, known only after it has
 * verified.
 */
abstract class LateAadDecryptor implements InputAEADDecryptor {
    private final AlgorithmIdentifier algorithm;
    private final ByteArrayOutputStream aad = new ByteArrayOutputStream();
    private byte[] tag;

    LateAadDecryptor(AlgorithmIdentifier algorithm) {
        this.algorithm = algorithm;
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        return algorithm;
    }

    @Override
    public OutputStream getAADStream() {
        return aad;
    }

    @Override
    public byte[] getMAC() {
        return tag == null ? null : tag.clone();
    }

    /**
     * Refuses {@code algorithm} unless the decryptor {@code handles} it and {@code allowed}
     * names it, as Bouncy Castle's own recipients refuse an algorithm outside their allow-list.
     */
    static void requireAllowed(AlgorithmIdentifier algorithm,
                               Predicate<AlgorithmIdentifier> handles,
                               Set<ASN1ObjectIdentifier> allowed) throws CMSException {
        if (!handles.test(algorithm) || !allowed.contains(algorithm.getAlgorithm())) {
            throw new CMSException("content encryption algorithm not allowed");
        }
    }

    /** The additional data written so far (all of it once the content has ended). */
    byte[] additionalData() {
        return aad.toByteArray();
    }

    /** Records {@code verified}, the message's tag, once it has been checked. */
    void verified(byte[] verified) {
        tag = verified.clone();
    }
}
