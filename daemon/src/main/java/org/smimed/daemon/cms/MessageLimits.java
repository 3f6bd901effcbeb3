package org.smimed.daemon.cms;

/**
 * Structural limits on a message to decrypt, checked before and right after parsing so that a
 * hostile message costs little.
 *
 * @param maxRecipients        most RecipientInfos (limits.maxRecipients)
 * @param maxAsn1Depth         deepest ASN.1 nesting (limits.maxAsn1Depth)
 * @param maxIndefiniteLengths most BER indefinite lengths (limits.maxIndefiniteLengths)
 */
public record MessageLimits(int maxRecipients, int maxAsn1Depth, int maxIndefiniteLengths) {
    /** The configuration defaults. */
    public static final MessageLimits DEFAULTS = new MessageLimits(256, 40, 256);
}
