package org.smimed.daemon.cms;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.security.Provider;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.token.TokenException;
import org.smimed.daemon.token.TokenMeter;

/**
 * Decrypts CMS EnvelopedData and AuthEnvelopedData (RFC 5652, RFC 5083) addressed to keys in
 * the token.
 *
 * <p>Security guarantees: the private-key step runs in the token; every failure that involves
 * the ciphertext or a key ends in {@link DecryptionFailedException} with one message; only the
 * configured content-encryption algorithms are accepted; messages stream through
 * ({@link #open}) checked by an {@link Asn1StreamGuard}, so memory does not grow with their
 * size; an AuthEnvelopedData plaintext is complete only after its tag has verified.
 */
public final class CmsDecryptor {
    private final TokenRecipients recipients;
    private final Set<ContentCipher> allowed;
    private final MessageLimits limits;

    /** As the full constructor, allowing {@link ContentCipher#defaults()}. */
    public CmsDecryptor(Provider tokenProvider, Provider contentProvider, SecureRandom random) {
        this(tokenProvider, contentProvider, random, ContentCipher.defaults());
    }

    /**
     * @param tokenProvider the token's provider, which performs the RSA decryption or ECDH
     * @param contentProvider decrypts content (Bouncy Castle, not registered globally)
     * @param allowed the content-encryption algorithms to accept; everything else is refused
     */
    public CmsDecryptor(Provider tokenProvider, Provider contentProvider, SecureRandom random,
                        Set<ContentCipher> allowed) {
        this(tokenProvider, contentProvider, random, allowed, MessageLimits.DEFAULTS,
                TokenMeter.none());
    }

    /**
     * As above, refusing messages beyond {@code limits} before Bouncy Castle parses them, and
     * telling {@code meter} about each private-key operation in the token.
     */
    public CmsDecryptor(Provider tokenProvider, Provider contentProvider, SecureRandom random,
                        Set<ContentCipher> allowed, MessageLimits limits, TokenMeter meter) {
        this.limits = limits;
        this.allowed = allowed.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(allowed));
        this.recipients = new TokenRecipients(tokenProvider, contentProvider, random,
                this.allowed.stream().map(ContentCipher::oid).collect(Collectors.toSet()), meter);
    }

    /**
     * Reads the header of the envelope arriving on {@code message} (at most
     * {@code maxMessageBytes}: one that declares a length reaching further is refused naming
     * limits.maxMessageBytes) and checks it against the limits and the allowed algorithms;
     * the encrypted content stays in the stream until the returned envelope is decrypted.
     */
    public OpenedEnvelope open(InputStream message, long maxMessageBytes)
            throws DecryptionFailedException, InvalidRequestException {
        return open(Asn1StreamGuard.streamed(message, maxMessageBytes, limits),
                EnvelopeStream.STREAM_BUFFER);
    }

    private OpenedEnvelope open(Asn1StreamGuard guarded, int bufferBytes)
            throws DecryptionFailedException, InvalidRequestException {
        // The guard has refused more than limits.maxRecipients before the parser built them.
        EnvelopeStream envelope = EnvelopeStream.parse(guarded, bufferBytes);
        ASN1ObjectIdentifier algorithm = envelope.contentAlgorithm().getAlgorithm();
        Optional<ContentCipher> known = ContentCipher.of(algorithm);
        ContentCipher cipher = known.filter(allowed::contains)
                .orElseThrow(() -> new InvalidRequestException("content-encryption algorithm "
                        // One this daemon knows but was not allowed: named as the config
                        // names it, so the operator sees what to add (archived 3DES mail).
                        + known.map(c -> c.configName() + " (" + algorithm.getId() + ")")
                                .orElse(algorithm.getId())
                        + " is not allowed (allowed: " + allowed.stream()
                        .sorted().map(ContentCipher::configName).collect(Collectors.joining(", "))
                        + "; see decryption.contentAlgorithms)"));
        if (cipher.authenticated() != envelope.authenticated()) {
            throw new DecryptionFailedException(cipher + " in the wrong content type");
        }
        return new OpenedEnvelope(envelope, cipher, recipients);
    }

    /**
     * Decrypts a whole {@code message} held in memory with whichever of {@code candidates} it
     * is addressed to; the plaintext is returned only once it is complete (and, for
     * AuthEnvelopedData, its tag verified).
     *
     * <p>When the content fails to decrypt, the next RecipientInfo naming one of
     * {@code candidates} tries (at most {@value OpenedEnvelope#MAX_TRIES} pairs of recipient
     * and key in all): RSA key transport cannot tell a damaged encrypted key from a good one
     * (implicit rejection), so only the content shows it, and mail naming two of the daemon's
     * keys, one entry damaged, failed whole (a hostile-input trial; OpenSSL, too, tries every
     * recipient). It is no oracle: a damaged RSA entry and an intact one hiding another key
     * both fail at the content and go on to the next, and every failure has one message. A
     * stream ({@link #open}) cannot do this: its plaintext has gone out before the content's
     * end shows the key was wrong.
     */
    public DecryptedMessage decrypt(byte[] message, Collection<KeyVersion> candidates)
            throws DecryptionFailedException, InvalidRequestException, TokenException {
        Set<OpenedEnvelope.Attempt> done = new HashSet<>();
        DecryptionFailedException failed = null;
        while (true) {
            OpenedEnvelope envelope = whole(message);
            PlaintextStream plaintext;
            try {
                plaintext = envelope.decrypt(candidates, done);
            } catch (DecryptionFailedException e) {
                if (failed == null) {
                    throw e;
                }
                // No other recipient could recover a key: the first failure stands (never "no
                // matching recipient", which it was not).
                throw e.noMatchingRecipient() ? failed
                        : new DecryptionFailedException(failed.detail() + "; " + e.detail());
            }
            done.addAll(envelope.attempts());
            try {
                return new DecryptedMessage(plaintext.key(), plaintext.cipher(),
                        readAll(plaintext, message.length));
            } catch (DecryptionFailedException e) {
                String detail = "content failed with " + plaintext.key().id() + " ("
                        + e.detail() + ")";
                failed = new DecryptionFailedException(failed == null ? detail
                        : failed.detail() + "; " + detail);
            }
        }
    }

    /**
     * The envelope in {@code message}, read afresh for each key tried. Whole, not streamed: its
     * size has been checked, so a length reaching past its end means it is cut short
     * ("decryption failed"), never that it is too large.
     */
    private OpenedEnvelope whole(byte[] message)
            throws DecryptionFailedException, InvalidRequestException {
        return open(Asn1StreamGuard.whole(new ByteArrayInputStream(message), message.length,
                limits), message.length);
    }

    private static byte[] readAll(PlaintextStream plaintext, int messageBytes)
            throws DecryptionFailedException, InvalidRequestException {
        // The plaintext is shorter than the message that carries it: one read usually takes
        // it all (a read returns less than the buffer only at the end).
        ByteArrayOutputStream out = new ByteArrayOutputStream(messageBytes);
        byte[] buffer = new byte[Math.min(messageBytes + 1, 1024 * 1024)];
        int n;
        do {
            n = plaintext.read(buffer);
            out.write(buffer, 0, n);
        } while (n == buffer.length);
        plaintext.finish();
        return out.toByteArray();
    }
}
