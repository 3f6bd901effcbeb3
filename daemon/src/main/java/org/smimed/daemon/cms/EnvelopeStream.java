package org.smimed.daemon.cms;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1SequenceParser;
import org.bouncycastle.asn1.ASN1StreamParser;
import org.bouncycastle.asn1.cms.ContentInfoParser;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSAuthEnvelopedDataParser;
import org.bouncycastle.cms.CMSEnvelopedDataParser;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.RecipientInformationStore;

/**
 * A CMS EnvelopedData or AuthEnvelopedData read from a stream with Bouncy Castle's streaming
 * parsers, through an {@link Asn1StreamGuard}: the header (recipients, algorithms) is parsed
 * into memory, the encrypted content stays in the stream until it is read.
 *
 * <p>Guarantee: every failure is the guard's own limit or framing error when the guard tripped,
 * otherwise {@link DecryptionFailedException}; nothing here keeps more than the structure the
 * guard admits plus one buffer.
 */
final class EnvelopeStream {
    /** The read buffer of a streamed message: large reads for large messages. */
    static final int STREAM_BUFFER = 64 * 1024;

    private final Asn1StreamGuard guard;
    private final InputStream input;
    private final RecipientInformationStore recipients;
    private final AlgorithmIdentifier contentAlgorithm;
    private final boolean authenticated;

    private EnvelopeStream(Asn1StreamGuard guard, InputStream input,
                           RecipientInformationStore recipients,
                           AlgorithmIdentifier contentAlgorithm, boolean authenticated) {
        this.guard = guard;
        this.input = input;
        this.recipients = recipients;
        this.contentAlgorithm = contentAlgorithm;
        this.authenticated = authenticated;
    }

    /**
     * Parses the envelope's header from {@code guarded}, leaving the content in the stream,
     * read through a buffer of {@code bufferBytes} (at most {@link #STREAM_BUFFER}; a message
     * held whole needs no more than its length: 64 KiB for each 4 KiB DecryptMessage was a
     * third of the bytes the daemon allocated per call, in a profile of 16 callers).
     */
    static EnvelopeStream parse(Asn1StreamGuard guarded, int bufferBytes)
            throws DecryptionFailedException, InvalidRequestException {
        BufferedInputStream input = new BufferedInputStream(guarded,
                Math.max(1, Math.min(bufferBytes, STREAM_BUFFER)));
        try {
            ASN1ObjectIdentifier type = peekContentType(input);
            if (PKCSObjectIdentifiers.envelopedData.equals(type)) {
                CMSEnvelopedDataParser data = new CMSEnvelopedDataParser(input);
                return new EnvelopeStream(guarded, input, data.getRecipientInfos(),
                        data.getContentEncryptionAlgorithm(), false);
            }
            if (PKCSObjectIdentifiers.id_ct_authEnvelopedData.equals(type)) {
                CMSAuthEnvelopedDataParser data = new CMSAuthEnvelopedDataParser(input);
                return new EnvelopeStream(guarded, input, data.getRecipientInfos(),
                        data.getEncryptionAlgOID(), true);
            }
            throw notEncrypted(type);
        } catch (IOException | CMSException | RuntimeException e) {
            throw failure(guarded, "malformed CMS", e);
        }
    }

    static boolean isEnvelope(ASN1ObjectIdentifier type) {
        return PKCSObjectIdentifiers.envelopedData.equals(type)
                || PKCSObjectIdentifiers.id_ct_authEnvelopedData.equals(type);
    }

    /**
     * Framing anyone can read, no secret of a key: said to the caller, who may have sent a
     * signed message (found by a client-developer trial).
     */
    static InvalidRequestException notEncrypted(ASN1ObjectIdentifier type) {
        return new InvalidRequestException("not an encrypted message: its CMS content type"
                + " is " + contentTypeName(type) + "; Decrypt takes EnvelopedData or"
                + " AuthEnvelopedData (RFC 5652, RFC 5083)");
    }

    private static String contentTypeName(ASN1ObjectIdentifier type) {
        if (type == null) {
            return "missing";
        }
        String name = switch (type.getId()) {
            case "1.2.840.113549.1.7.1" -> "Data";
            case "1.2.840.113549.1.7.2" -> "SignedData";
            case "1.2.840.113549.1.7.5" -> "DigestedData";
            case "1.2.840.113549.1.7.6" -> "EncryptedData";
            case "1.2.840.113549.1.9.16.1.2" -> "AuthenticatedData";
            case "1.2.840.113549.1.9.16.1.9" -> "CompressedData";
            default -> "";
        };
        String text = name.isEmpty() ? type.getId() : name + " (" + type.getId() + ")";
        return name.equals("SignedData") ? text + ", a signed message, which needs no key to open"
                : text;
    }

    /** Reads the ContentInfo's type and steps back, so the CMS parser sees the whole message. */
    private static ASN1ObjectIdentifier peekContentType(BufferedInputStream input)
            throws IOException {
        input.mark(STREAM_BUFFER);
        // With an explicit limit: without one Bouncy Castle looks up a system and a security
        // property on every parser it makes (an eighth of the daemon's Java samples in a
        // profile of 4 KiB decrypts). The guard under the buffer bounds sizes, depth and
        // indefinite lengths already.
        Object outer = new ASN1StreamParser(input, Integer.MAX_VALUE).readObject();
        if (!(outer instanceof ASN1SequenceParser sequence)) {
            throw new IOException("not a SEQUENCE");
        }
        ASN1ObjectIdentifier type = new ContentInfoParser(sequence).getContentType();
        input.reset();
        // Drop the mark: held, it would make a buffer smaller than the mark limit grow (a copy)
        // once the parser has read it to the end.
        input.mark(0);
        return type;
    }

    RecipientInformationStore recipients() {
        return recipients;
    }

    AlgorithmIdentifier contentAlgorithm() {
        return contentAlgorithm;
    }

    boolean authenticated() {
        return authenticated;
    }

    /**
     * After the content has been read to its end: reads what follows it (attributes, the
     * closing of indefinite lengths) and checks that exactly one well-formed message arrived.
     */
    void finish() throws DecryptionFailedException, InvalidRequestException {
        try {
            byte[] rest = new byte[4096];
            while (input.read(rest) >= 0) {
                // what follows the content is structure: the guard bounds and checks it
            }
        } catch (IOException | RuntimeException e) {
            throw failure(guard, "after the content", e);
        }
        if (!guard.complete()) {
            throw new DecryptionFailedException("message ends early");
        }
    }

    /**
     * The guard's own error if it stopped the stream (a limit names itself), otherwise the one
     * decryption failure.
     */
    static Exception failureOf(Asn1StreamGuard guard, String where, Exception e) {
        if (guard.failure() != null) {
            return guard.failure();
        }
        // The parser's own words too: "malformed CMS: CMSException" alone left an operator
        // guessing (an interoperability trial's EnvelopedData without its content).
        return new DecryptionFailedException(where + ": " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + OpenedEnvelope.shown(e.getMessage())));
    }

    private static DecryptionFailedException failure(Asn1StreamGuard guard, String where,
                                                     Exception e)
            throws InvalidRequestException {
        Exception f = failureOf(guard, where, e);
        if (f instanceof InvalidRequestException limit) {
            throw limit;
        }
        return (DecryptionFailedException) f;
    }

    /** The guard, whose failure explains an error while reading the content. */
    Asn1StreamGuard guard() {
        return guard;
    }
}
