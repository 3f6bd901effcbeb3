package org.smimed.daemon.cms;

/**
 * The open constructed elements of a message being walked by {@link Asn1StreamGuard}: where
 * each must end and where in a CMS envelope it sits, so the guard can tell the encrypted
 * content (streamed, any size) from the structure around it (held by the parser, bounded).
 *
 * <p>Guarantee: at most {@code maxDepth} frames, in arrays allocated once; at most
 * {@code maxRecipients} elements inside RecipientInfos, counted as each opens, so a parser
 * never holds more of them than the limit (it builds them all before anyone can count them).
 */
final class Asn1Frames {
    /**
     * Where an element sits on the path ContentInfo / [0] / envelope / EncryptedContentInfo, or
     * envelope / RecipientInfos / RecipientInfo.
     */
    private enum Kind {
        CONTENT_INFO, EXPLICIT, ENVELOPE, ENCRYPTED_CONTENT_INFO, CONTENT, RECIPIENT_INFOS,
        RECIPIENT_INFO, OTHER
    }

    private static final int INTEGER = 0x02;
    private static final int SEQUENCE = 0x30;
    private static final int SET = 0x31;
    private static final int CONSTRUCTED_0 = 0xA0;
    private static final int PRIMITIVE_0 = 0x80;
    private static final int CONSTRUCTED = 0x20;

    private final int maxDepth;
    private final int maxRecipients;
    private final long outerBound;
    private final long[] bound;
    private final boolean[] indefinite;
    /** The frame and every one around it have indefinite lengths: its bound is the outer one. */
    private final boolean[] outer;
    private final Kind[] kind;
    private final boolean[] sawSequence;
    /** Whether an element has been opened inside the frame (its first child is behind it). */
    private final boolean[] sawChild;
    /** Elements opened inside the frame so far. */
    private final int[] children;
    /** In an envelope, the rank of the last element after its EncryptedContentInfo. */
    private final int[] rankAfterContent;
    private int size;
    private int recipients;

    Asn1Frames(int maxDepth, int maxRecipients, long outerBound) {
        this.maxDepth = maxDepth;
        this.maxRecipients = maxRecipients;
        this.outerBound = outerBound;
        this.bound = new long[maxDepth];
        this.indefinite = new boolean[maxDepth];
        this.outer = new boolean[maxDepth];
        this.kind = new Kind[maxDepth];
        this.sawSequence = new boolean[maxDepth];
        this.sawChild = new boolean[maxDepth];
        this.children = new int[maxDepth];
        this.rankAfterContent = new int[maxDepth];
    }

    /**
     * Opens a constructed element with first tag octet {@code tag} ending at {@code end}, or
     * -1 for an indefinite length.
     */
    void push(int tag, long end) throws InvalidRequestException, DecryptionFailedException {
        if (size + 1 > maxDepth) {
            throw new InvalidRequestException("ASN.1 nesting is deeper than " + maxDepth
                    + " levels (limits.maxAsn1Depth)");
        }
        Kind k = kindOf(tag);
        childOpened(tag);
        if (size > 0 && tag == SEQUENCE) {
            sawSequence[size - 1] = true;
        }
        bound[size] = end < 0 ? bound() : end;
        indefinite[size] = end < 0;
        outer[size] = end < 0 && boundIsOuter();
        kind[size] = k;
        sawSequence[size] = false;
        sawChild[size] = false;
        children[size] = 0;
        rankAfterContent[size] = 0;
        size++;
    }

    private Kind kindOf(int tag) {
        if (size == 0) {
            return tag == SEQUENCE ? Kind.CONTENT_INFO : Kind.OTHER;
        }
        Kind parent = kind[size - 1];
        return switch (parent) {
            case CONTENT_INFO -> tag == CONSTRUCTED_0 ? Kind.EXPLICIT : Kind.OTHER;
            case EXPLICIT -> tag == SEQUENCE ? Kind.ENVELOPE : Kind.OTHER;
            // The first SEQUENCE in an (Auth)EnvelopedData is its (Auth)EncryptedContentInfo:
            // version, originatorInfo and recipientInfos have other tags.
            case ENVELOPE -> tag == SEQUENCE && !sawSequence[size - 1]
                    ? Kind.ENCRYPTED_CONTENT_INFO
                    : tag == SET ? Kind.RECIPIENT_INFOS : Kind.OTHER;
            case ENCRYPTED_CONTENT_INFO -> tag == CONSTRUCTED_0 ? Kind.CONTENT : Kind.OTHER;
            case CONTENT -> Kind.CONTENT;
            case RECIPIENT_INFOS -> isVersioned(tag) ? Kind.RECIPIENT_INFO : Kind.OTHER;
            case OTHER, RECIPIENT_INFO -> Kind.OTHER;
        };
    }

    /**
     * Whether {@code tag} is the RecipientInfo choice that starts with a version: ktri
     * (SEQUENCE), kari [1], kekri [2], pwri [3]; ori [4] starts with its type's OID instead.
     */
    private static boolean isVersioned(int tag) {
        return tag == SEQUENCE || tag == 0xA1 || tag == 0xA2 || tag == 0xA3;
    }

    /**
     * Whether a primitive with first tag octet {@code tag}, opened here, is a CMSVersion: the
     * first element of an (Auth)EnvelopedData or of a RecipientInfo, if it is an INTEGER.
     */
    boolean isVersion(int tag) {
        if (size == 0 || tag != INTEGER || sawChild[size - 1]) {
            return false;
        }
        Kind parent = kind[size - 1];
        return parent == Kind.ENVELOPE || parent == Kind.RECIPIENT_INFO;
    }

    /**
     * An element with first tag octet {@code tag} opens in the innermost frame (primitives
     * are told here, constructed ones by {@link #push}); any element opening in RecipientInfos
     * is one more recipient, whatever its choice. An EncryptedContentInfo holds at most its
     * type, algorithm and [0] content, and after it an envelope holds at most, in this order,
     * [1] attributes, the mac (AuthEnvelopedData) and [2] attributes: Bouncy Castle's parser
     * reads what it expects and passes over the rest, so a tag inside EncryptedContentInfo or
     * a second one after it decrypted, where OpenSSL refuses the message (an interop trial).
     */
    void childOpened(int tag) throws InvalidRequestException, DecryptionFailedException {
        if (size == 0) {
            return;
        }
        int parent = size - 1;
        sawChild[parent] = true;
        int index = children[parent]++;
        switch (kind[parent]) {
            case RECIPIENT_INFOS -> {
                if (++recipients > maxRecipients) {
                    throw new InvalidRequestException("message has more than " + maxRecipients
                            + " recipients (limits.maxRecipients)");
                }
            }
            case CONTENT_INFO, EXPLICIT -> {
                // ContentInfo is a type and its [0] content, which holds one envelope.
                if (index >= (kind[parent] == Kind.CONTENT_INFO ? 2 : 1)) {
                    throw malformedCms((kind[parent] == Kind.CONTENT_INFO ? "ContentInfo"
                            : "ContentInfo's [0]") + " holds more than its content");
                }
            }
            case ENCRYPTED_CONTENT_INFO -> {
                if (index > 2 || index == 2 && (tag & ~CONSTRUCTED) != PRIMITIVE_0) {
                    throw malformedCms("EncryptedContentInfo holds more than its content"
                            + " type, algorithm and [0] encrypted content");
                }
            }
            case ENVELOPE -> {
                if (sawSequence[parent]) {
                    int rank = rankAfterContentInfo(tag);
                    if (rank <= rankAfterContent[parent]) {
                        throw malformedCms("an element after EncryptedContentInfo that is"
                                + " not [1] attributes, the mac or [2] attributes, in order");
                    }
                    rankAfterContent[parent] = rank;
                }
            }
            default -> { }
        }
    }

    /** [1] attributes, then an AuthEnvelopedData's mac (an OCTET STRING), then [2] ones. */
    private static int rankAfterContentInfo(int tag) {
        return switch (tag) {
            case 0xA1 -> 1;
            case 0x04, 0x24 -> 2;
            case 0xA2 -> 3;
            default -> 0;
        };
    }

    private static DecryptionFailedException malformedCms(String what) {
        return new DecryptionFailedException("malformed CMS: " + what + " (RFC 5652, 5083)");
    }

    /** Whether a primitive with first tag octet {@code tag}, opened here, is encrypted content. */
    boolean isContent(int tag) {
        if (size == 0) {
            return false;
        }
        Kind parent = kind[size - 1];
        return parent == Kind.CONTENT
                || (parent == Kind.ENCRYPTED_CONTENT_INFO && tag == PRIMITIVE_0);
    }

    /**
     * Whether a primitive with first tag octet {@code tag}, opened here, is the ContentInfo's
     * contentType: what says whether the rest is an envelope at all.
     */
    boolean isContentType(int tag) {
        return size == 1 && kind[0] == Kind.CONTENT_INFO && tag == 0x06 && !sawChild[0];
    }

    /** Whether the innermost open element is (inside) the encrypted content. */
    boolean inContent() {
        return size > 0 && kind[size - 1] == Kind.CONTENT;
    }

    /** Where the innermost definite element (or the whole message) must end. */
    long bound() {
        return size == 0 ? outerBound : bound[size - 1];
    }

    /**
     * Whether {@link #bound()} is the outer bound: no open element has a definite length, so
     * nothing but the outer bound limits how far the next element may reach.
     */
    boolean boundIsOuter() {
        return size == 0 || outer[size - 1];
    }

    /** Whether the innermost open element has an indefinite length. */
    boolean indefinite() {
        return size > 0 && indefinite[size - 1];
    }

    void pop() {
        size--;
    }

    /** Closes every innermost definite element that ends at {@code pos}. */
    void popEndingAt(long pos) {
        while (size > 0 && !indefinite[size - 1] && bound[size - 1] == pos) {
            size--;
        }
    }

    boolean empty() {
        return size == 0;
    }
}
