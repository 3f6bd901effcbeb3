package org.smimed.daemon.token;

import java.security.Key;
import java.security.KeyStoreException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.ProviderException;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reads the token's private keys together with their certificate chains, through the
 * SunPKCS11 key store (which only shows keys that have a certificate with the same CKA_ID).
 */
public final class TokenKeys {
    private final Pkcs11Token token;

    public TokenKeys(Pkcs11Token token) {
        this.token = token;
    }

    /** What was found: usable entries, and a line for each object that had to be skipped. */
    public record Scan(List<TokenKeyEntry> entries, List<String> skipped) {}

    /** Lists every private key that has a certificate chain. */
    public Scan scan() throws TokenException {
        List<TokenKeyEntry> entries = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        try {
            for (String alias : Collections.list(token.keyStore().aliases())) {
                if (!token.keyStore().isKeyEntry(alias)) {
                    continue;
                }
                try {
                    entries.add(read(alias));
                } catch (UnrecoverableKeyException | ProviderException | ClassCastException e) {
                    // One odd object (e.g. an Ed25519 key, which SunPKCS11 cannot represent)
                    // must not hide the others.
                    skipped.add(alias + ": " + e.getMessage());
                }
            }
        } catch (KeyStoreException | NoSuchAlgorithmException e) {
            throw new TokenException(TokenException.Kind.UNAVAILABLE,
                    "cannot list keys of token '" + token.label() + "': " + e.getMessage(), e);
        }
        return new Scan(entries, skipped);
    }

    private TokenKeyEntry read(String alias) throws KeyStoreException, NoSuchAlgorithmException,
            UnrecoverableKeyException {
        Key key = token.keyStore().getKey(alias, null);
        Certificate[] chain = token.keyStore().getCertificateChain(alias);
        if (!(key instanceof PrivateKey privateKey) || chain == null || chain.length == 0) {
            throw new UnrecoverableKeyException("no private key with a certificate chain");
        }
        List<X509Certificate> certificates = new ArrayList<>();
        for (Certificate c : chain) {
            certificates.add((X509Certificate) c);
        }
        return new TokenKeyEntry(alias, privateKey, certificates);
    }
}
