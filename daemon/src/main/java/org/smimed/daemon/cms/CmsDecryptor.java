package org.smimed.daemon.cms;

import java.io.IOException;
import java.security.Provider;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cms.CMSAuthEnvelopedData;
import org.bouncycastle.cms.CMSEnvelopedData;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.KeyAgreeRecipientInformation;
import org.bouncycastle.cms.KeyTransRecipientInformation;
import org.bouncycastle.cms.RecipientInformation;
import org.bouncycastle.cms.RecipientInformationStore;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.TokenException;
import org.smimed.daemon.token.TokenMeter;

/**
 * Decrypts CMS EnvelopedData and AuthEnvelopedData (RFC 5652, RFC 5083) addressed to keys in
 * the token.
 *
 * <p>Security guarantees: the private-key step runs in the token; every failure that involves
 * the ciphertext or a key ends in {@link DecryptionFailedException} with one message; only the
 * configured content-encryption algorithms are accepted; an AuthEnvelopedData
 * plaintext is returned only after its tag has verified.
 */
public final class CmsDecryptor {
    private final TokenRecipients recipients;
    private final Set<ContentCipher> allowed;
    private final Asn1Guard guard;
    private final int maxRecipients;

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
        this.guard = new Asn1Guard(limits.maxAsn1Depth(), limits.maxIndefiniteLengths());
        this.maxRecipients = limits.maxRecipients();
        this.allowed = allowed.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(allowed));
        this.recipients = new TokenRecipients(tokenProvider, contentProvider, random,
                this.allowed.stream().map(ContentCipher::oid).collect(Collectors.toSet()), meter);
    }

    /** Decrypts {@code message} with whichever of {@code candidates} it is addressed to. */
    public DecryptedMessage decrypt(byte[] message, Collection<KeyVersion> candidates)
            throws DecryptionFailedException, InvalidRequestException, TokenException {
        guard.check(message);
        Envelope envelope = parse(message);
        int count = envelope.recipients().size();
        if (count > maxRecipients) {
            throw new InvalidRequestException("message has " + count + " recipients, more than"
                    + " the limit of " + maxRecipients + " (limits.maxRecipients)");
        }
        ContentCipher cipher = ContentCipher.of(envelope.contentAlgorithm().getAlgorithm())
                .filter(allowed::contains)
                .orElseThrow(() -> new InvalidRequestException("content-encryption algorithm "
                        + envelope.contentAlgorithm().getAlgorithm().getId()
                        + " is not allowed (allowed: " + allowed.stream().sorted()
                        .map(ContentCipher::configName).collect(Collectors.joining(", "))
                        + "; see decryption.contentAlgorithms)"));
        if (cipher.authenticated() != envelope.authenticated()) {
            throw new DecryptionFailedException(cipher + " in the wrong content type");
        }
        List<String> tried = new ArrayList<>();
        for (RecipientInformation recipient : envelope.recipients().getRecipients()) {
            Optional<KeyAlgorithm.Family> family = familyFor(recipient);
            if (family.isEmpty()) {
                continue;
            }
            for (KeyVersion key : candidates) {
                if (key.algorithm().family() != family.get()
                        || !recipient.getRID().match(holder(key))) {
                    continue;
                }
                try {
                    byte[] plaintext = recipient.getContent(family.get() == KeyAlgorithm.Family.RSA
                            ? recipients.keyTransport(key, cipher)
                            : recipients.keyAgreement(key, cipher));
                    return new DecryptedMessage(key, cipher, plaintext);
                } catch (CMSException | RuntimeException e) {
                    if (e instanceof TokenUnavailableSignal signal) {
                        throw new TokenException(TokenException.Kind.UNAVAILABLE,
                                "token failed to decrypt with " + key.id(), signal.getCause());
                    }
                    tried.add(key.id() + ": " + e.getClass().getSimpleName());
                }
            }
        }
        throw new DecryptionFailedException(tried.isEmpty()
                ? "no recipient matches a key that may decrypt" : "failed with " + tried);
    }

    /** The key family a RecipientInfo needs, or empty for a kind the daemon does not do. */
    private static Optional<KeyAlgorithm.Family> familyFor(RecipientInformation recipient) {
        ASN1ObjectIdentifier algorithm = new ASN1ObjectIdentifier(
                recipient.getKeyEncryptionAlgOID());
        if (recipient instanceof KeyTransRecipientInformation
                && TokenRecipients.isKeyTransport(algorithm)) {
            return Optional.of(KeyAlgorithm.Family.RSA);
        }
        if (recipient instanceof KeyAgreeRecipientInformation
                && X25519KeyAgreement.supports(algorithm)) {
            return Optional.of(KeyAlgorithm.Family.XDH);
        }
        if (recipient instanceof KeyAgreeRecipientInformation
                && TokenRecipients.isKeyAgreement(algorithm)) {
            return Optional.of(KeyAlgorithm.Family.EC);
        }
        return Optional.empty();
    }

    private static X509CertificateHolder holder(KeyVersion key) {
        try {
            return new JcaX509CertificateHolder(key.certificate());
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException("certificate of " + key.id(), e);
        }
    }

    /** The parts of either envelope type that decryption needs. */
    private record Envelope(RecipientInformationStore recipients,
                            AlgorithmIdentifier contentAlgorithm, boolean authenticated) {}

    private static Envelope parse(byte[] message) throws DecryptionFailedException {
        try {
            ContentInfo info = ContentInfo.getInstance(ASN1Primitive.fromByteArray(message));
            if (info == null) {
                throw new DecryptionFailedException("empty message");
            }
            ASN1ObjectIdentifier type = info.getContentType();
            if (PKCSObjectIdentifiers.envelopedData.equals(type)) {
                CMSEnvelopedData data = new CMSEnvelopedData(info);
                return new Envelope(data.getRecipientInfos(), data.getContentEncryptionAlgorithm(),
                        false);
            }
            if (PKCSObjectIdentifiers.id_ct_authEnvelopedData.equals(type)) {
                CMSAuthEnvelopedData data = new CMSAuthEnvelopedData(info);
                return new Envelope(data.getRecipientInfos(), new AlgorithmIdentifier(
                        new ASN1ObjectIdentifier(data.getEncryptionAlgOID())), true);
            }
            throw new DecryptionFailedException("content type " + type + " is not an envelope");
        } catch (IOException | CMSException | RuntimeException e) {
            throw new DecryptionFailedException("malformed CMS: " + e.getClass().getSimpleName());
        }
    }
}
