package org.smimed.daemon.token;

/**
 * The PKCS#11 attributes that decide whether a private key can ever leave the token, as the
 * token itself reports them.
 *
 * @param valueReadable whether the token handed out CKA_VALUE / CKA_PRIVATE_EXPONENT when asked
 *                      (it must not; the bytes themselves are never kept)
 */
public record KeyProtection(boolean token, boolean privateObject, boolean sensitive,
                            boolean extractable, boolean alwaysSensitive,
                            boolean neverExtractable, boolean valueReadable) {

    /** True when every attribute says the key stays in the token. */
    public boolean keepsKeyInToken() {
        return token && privateObject && sensitive && !extractable && alwaysSensitive
                && neverExtractable && !valueReadable;
    }
}
