package org.smimed.daemon.token;

/**
 * The PKCS#11 attributes that decide whether a private key can ever leave the token, and
 * whether anyone with the user PIN can widen what it may do, as the token itself reports them.
 *
 * @param valueReadable whether the token handed out CKA_VALUE / CKA_PRIVATE_EXPONENT when asked
 *                      (it must not; the bytes themselves are never kept)
 * @param modifiable    CKA_MODIFIABLE: whether C_SetAttributeValue may change its usages
 * @param copyable      CKA_COPYABLE (true where the token does not know it): whether
 *                      C_CopyObject may make a copy with other usages
 * @param unwraps       CKA_UNWRAP; smimed never unwraps with a private key
 */
public record KeyProtection(boolean token, boolean privateObject, boolean sensitive,
                            boolean extractable, boolean alwaysSensitive,
                            boolean neverExtractable, boolean valueReadable,
                            boolean modifiable, boolean copyable, boolean unwraps) {

    /** True when every attribute says the key stays in the token. */
    public boolean keepsKeyInToken() {
        return token && privateObject && sensitive && !extractable && alwaysSensitive
                && neverExtractable && !valueReadable;
    }

    /** True when the token lets no one, PIN or not, change or copy the key with new usages. */
    public boolean usagesFixed() {
        return !modifiable && !copyable;
    }
}
