package org.smimed.daemon.cms;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.KeyAgreeRecipientInformation;
import org.bouncycastle.cms.KeyTransRecipientInformation;
import org.bouncycastle.cms.PKIXRecipientId;
import org.bouncycastle.cms.RecipientId;
import org.bouncycastle.cms.RecipientInformation;
import org.bouncycastle.util.encoders.Hex;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.logging.Printable;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.TokenException;

/**
 * An envelope whose header has been read and checked (recipient count, allowed algorithm),
 * waiting for a key: {@link #decrypt} recovers the content-encryption key in the token and
 * returns the plaintext as a stream.
 *
 * <p>Guarantees: the key is chosen from the RecipientInfos alone (issuerAndSerialNumber or
 * subjectKeyIdentifier against each candidate), before any content is read; a candidate whose
 * key recovery fails (a key agreement: {@link KeyUnwrap}) lets the next one try, while RSA
 * key transport, PKCS#1 v1.5 and OAEP, never fails here (RFC 3218: a substitute key goes on
 * and the failure shows at the content, like any other). A token fault throws
 * {@link TokenException} before any content has been read, so {@link #decrypt} may run again
 * with fresh key handles.
 */
public final class OpenedEnvelope {
    /**
     * Recipient-and-key pairs one message may try, counting every reading of it
     * ({@link CmsDecryptor#decrypt(byte[], Collection)}): each costs a private-key operation
     * in the token (and a reading of the whole content when the key is RSA), and a message may
     * name the same key in up to limits.maxRecipients RecipientInfos.
     */
    public static final int MAX_TRIES = 8;
    /** Recipients named in a log line at most; the rest are "...". */
    private static final int MAX_NAMED = 4;
    /** Characters of one value from the message shown in a log line at most. */
    private static final int MAX_SHOWN = 200;
    private final EnvelopeStream envelope;
    private final ContentCipher cipher;
    private final TokenRecipients recipients;
    /** The recipient-and-key pairs {@link #decrypt} tried, the one it returned last. */
    private final List<Attempt> attempts = new ArrayList<>();
    private boolean used;

    /**
     * One RecipientInfo tried with one key: its place in Bouncy Castle's list of the message's
     * recipients (one per key of a key agreement), the same at each reading of the message.
     */
    public record Attempt(int recipient, String keyId) {
    }

    OpenedEnvelope(EnvelopeStream envelope, ContentCipher cipher, TokenRecipients recipients) {
        this.envelope = envelope;
        this.cipher = cipher;
        this.recipients = recipients;
    }

    /** The pairs the last {@link #decrypt} tried, in order: its answer's is the last. */
    public List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    /** The content-encryption algorithm (already checked against the allowed ones). */
    public ContentCipher cipher() {
        return cipher;
    }

    /** Recovers the key with whichever of {@code candidates} the message is addressed to. */
    public PlaintextStream decrypt(Collection<KeyVersion> candidates)
            throws DecryptionFailedException, TokenException {
        return decrypt(candidates, Set.of());
    }

    /**
     * As {@link #decrypt(Collection)}, passing over the pairs in {@code done} (tried with an
     * earlier reading of the same message); {@link #attempts()} then tells what this one tried.
     */
    public PlaintextStream decrypt(Collection<KeyVersion> candidates, Set<Attempt> done)
            throws DecryptionFailedException, TokenException {
        if (used) {
            throw new IllegalStateException("the content of an envelope can be read once");
        }
        List<String> tried = new ArrayList<>();
        // A stream's envelope is decrypted again after a token fault: what the first run
        // tried is tried again, with fresh key handles, not counted twice.
        attempts.clear();
        List<RecipientInformation> all = envelope.recipients().getRecipients().stream().toList();
        recipients:
        for (RecipientInformation recipient : inTryingOrder(all)) {
            Set<KeyAlgorithm.Family> families = familiesFor(recipient);
            for (KeyVersion key : candidates) {
                if (!recipient.getRID().match(recipients.certificate(key))) {
                    continue;
                }
                Attempt attempt = new Attempt(all.indexOf(recipient), key.id());
                if (done.contains(attempt)) {
                    continue;
                }
                if (done.size() + attempts.size() >= MAX_TRIES) {
                    tried.add("no more tries (" + MAX_TRIES + " in all)");
                    break recipients;
                }
                attempts.add(attempt);
                if (!families.contains(key.algorithm().family())) {
                    // Addressed to this key, in a way its type cannot use: a failure with it,
                    // not "no matching recipient" (found in review).
                    tried.add(key.id() + ": key-encryption algorithm "
                            + recipient.getKeyEncryptionAlgOID() + " is not one for its "
                            + key.algorithm() + " key");
                    continue;
                }
                try {
                    InputStream content = recipient.getContentStream(
                            key.algorithm().family() == KeyAlgorithm.Family.RSA
                                    ? recipients.keyTransport(key, cipher)
                                    : recipients.keyAgreement(key, cipher)).getContentStream();
                    used = true;
                    return new PlaintextStream(key, cipher, content, envelope);
                } catch (CMSException | IOException | RuntimeException e) {
                    if (e instanceof TokenUnavailableSignal signal) {
                        throw new TokenException(TokenException.Kind.UNAVAILABLE,
                                "token failed to decrypt with " + key.id(), signal.getCause());
                    }
                    // The operator's log only: the client hears "decryption failed" whatever
                    // this says. Our own refusals are CMSExceptions that say why.
                    tried.add(key.id() + ": " + e.getClass().getSimpleName()
                            + (e instanceof CMSException && e.getMessage() != null
                                    ? " (" + shown(e.getMessage()) + ")" : ""));
                }
            }
        }
        throw tried.isEmpty() ? DecryptionFailedException.noRecipient(
                "no recipient matches a key that may decrypt; addressed to " + addressees())
                : new DecryptionFailedException("failed with " + tried);
    }

    /**
     * The recipients, those that fail loudly first: RSA key transport never fails at the key
     * (implicit rejection goes on with a substitute), so a damaged one tried first ended the
     * search and failed mail whose other recipient, for another key of this daemon, was
     * intact (trials). The order depends on the algorithms alone, never on a result.
     */
    private static List<RecipientInformation> inTryingOrder(List<RecipientInformation> all) {
        List<RecipientInformation> ordered = new ArrayList<>(all);
        ordered.sort(Comparator.comparing(
                (RecipientInformation r) -> r instanceof KeyTransRecipientInformation));
        return ordered;
    }

    /**
     * {@code text} from the message, fit for one log line: the sender chose it, so control
     * characters (a forged second line) are escaped and the length is capped (found in
     * review).
     */
    static String shown(String text) {
        return Printable.escape(text.length() > MAX_SHOWN
                ? text.substring(0, MAX_SHOWN) + "..." : text);
    }

    /**
     * Whom the message names, for the operator's log only (the client sees "decryption failed"):
     * a certificate's serial (hex, as {@code smimectl list} shows it) and issuer, or a subject
     * key identifier, so mail for a DISABLED or unknown key can be told from garbage.
     */
    private String addressees() {
        if (envelope.recipients().getRecipients().isEmpty()) {
            return "no one (its RecipientInfos are empty)";
        }
        List<String> named = new ArrayList<>();
        for (RecipientInformation recipient : envelope.recipients().getRecipients()) {
            if (named.size() == MAX_NAMED) {
                named.add("...");
                break;
            }
            try {
                named.add(addressee(recipient.getRID()));
            } catch (RuntimeException e) {
                // Bouncy Castle parses a recipient's identifier only when asked; a hostile one
                // must not turn "decryption failed" into another error.
                named.add("an unreadable recipient identifier");
            }
        }
        return String.join("; ", named);
    }

    static String addressee(RecipientId rid) {
        if (rid instanceof PKIXRecipientId id && id.getSerialNumber() != null) {
            return "serial " + shown(id.getSerialNumber().toString(16)) + " of "
                    + shown(String.valueOf(id.getIssuer()));
        }
        if (rid instanceof PKIXRecipientId id && id.getSubjectKeyIdentifier() != null) {
            return "key id " + shown(Hex.toHexString(id.getSubjectKeyIdentifier()));
        }
        return "a " + switch (rid.getType()) {
            case RecipientId.kek -> "key-encryption key";
            case RecipientId.password -> "password";
            default -> "recipient of another kind";
        };
    }

    /**
     * The key families a RecipientInfo can be for, none for a kind the daemon does not do. The
     * X9.63-KDF schemes name ECDH on NIST curves and X25519 alike (RFC 5753, RFC 8418): the
     * certificate the RecipientInfo identifies tells which.
     */
    private static Set<KeyAlgorithm.Family> familiesFor(RecipientInformation recipient) {
        ASN1ObjectIdentifier algorithm = new ASN1ObjectIdentifier(
                recipient.getKeyEncryptionAlgOID());
        if (recipient instanceof KeyTransRecipientInformation) {
            return TokenRecipients.isKeyTransport(algorithm)
                    ? Set.of(KeyAlgorithm.Family.RSA) : Set.of();
        }
        if (!(recipient instanceof KeyAgreeRecipientInformation)) {
            return Set.of();
        }
        Set<KeyAlgorithm.Family> families = EnumSet.noneOf(KeyAlgorithm.Family.class);
        if (X25519KeyAgreement.supports(algorithm)) {
            families.add(KeyAlgorithm.Family.XDH);
        }
        if (TokenRecipients.isKeyAgreement(algorithm)) {
            families.add(KeyAlgorithm.Family.EC);
        }
        return families;
    }
}
