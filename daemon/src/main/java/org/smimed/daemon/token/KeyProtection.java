package org.smimed.daemon.token;

/**
 * The PKCS#11 attributes that decide whether a private key can ever leave the token, and
 * whether anyone with the user PIN can widen what it may do, as the token itself reports them:
 * what ListKeys shows an auditor. The token's problems (a key that can leave it, usages that
 * can change) are read from its inventory ({@code TokenInventory.KeyObject}) by one rule:
 * sensitive and not extractable, which an imported key, never "always sensitive", meets.
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
}
