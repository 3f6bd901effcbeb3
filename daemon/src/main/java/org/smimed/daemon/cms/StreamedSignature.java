package org.smimed.daemon.cms;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import org.smimed.daemon.keys.KeyVersion;

/**
 * One content-mode signature whose content arrives in parts: hashes each part as it comes
 * and, when encapsulating, gives the BER that carries it, so no part needs to be kept.
 *
 * <p>Guarantees: the request is checked against the key before any content is read (the
 * checks {@link CmsSigner#sign} makes); the signature itself is made afterwards by
 * {@link CmsSigner#sign} from the content's digest ({@link #digestRequest()}), so its signed
 * attributes, certificates and signer are exactly those of a digest-mode Sign; an
 * encapsulated SignedData is {@link #opening()}, then {@link #segmentHeader} and the bytes of
 * each part, then {@link #closing}. Not thread-safe: one call feeds it in order.
 */
public final class StreamedSignature {
    private final Optional<SignatureScheme> scheme;
    private final DigestAlgorithm digest;
    private final boolean encapsulate;
    private final MessageDigest hash;
    private long length;

    private StreamedSignature(Optional<SignatureScheme> scheme, DigestAlgorithm digest,
                              boolean encapsulate) {
        this.scheme = scheme;
        this.digest = digest;
        this.encapsulate = encapsulate;
        try {
            this.hash = MessageDigest.getInstance(digest.jcaHashName());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has " + digest, e);
        }
    }

    /**
     * Starts a signature as {@code key}.
     *
     * @throws InvalidRequestException when the key cannot sign with these preferences
     */
    public static StreamedSignature start(KeyVersion key, Optional<SignatureScheme> scheme,
                                          Optional<DigestAlgorithm> digest, boolean encapsulate)
            throws InvalidRequestException {
        return new StreamedSignature(scheme, CmsSigner.contentDigest(key, scheme, digest),
                encapsulate);
    }

    /** Whether the content goes inside the SignedData. */
    public boolean encapsulate() {
        return encapsulate;
    }

    /** Encapsulating: the BER that precedes the content; it names the digest algorithm. */
    public byte[] opening() {
        return EncapsulatedSignedData.opening(digest);
    }

    /** Hashes the next part of the content. */
    public void update(ByteBuffer part) {
        length += part.remaining();
        hash.update(part);
    }

    /** Encapsulating: the tag and length to send before a part of {@code length} bytes. */
    public static byte[] segmentHeader(int length) {
        return EncapsulatedSignedData.segmentHeader(length);
    }

    /** Bytes of content hashed so far. */
    public long length() {
        return length;
    }

    /**
     * Ends the content: the request that signs its digest (detached). Call once, after the
     * last {@link #update}.
     */
    public SignatureRequest digestRequest() {
        return new SignatureRequest(new SignatureRequest.PrecomputedDigest(digest,
                hash.digest()), false, scheme, Optional.empty());
    }

    /**
     * Encapsulating: the BER that follows the content, taken from {@code detached}, the
     * signature of {@link #digestRequest()}.
     */
    public byte[] closing(SignedMessage detached) {
        return EncapsulatedSignedData.closing(digest, detached.signedData());
    }
}
