package org.smimed.daemon.keys;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.smimed.daemon.token.KeyAlgorithm;

/**
 * The one private key and certificate chain of a PKCS#12 file being migrated into the token.
 *
 * <p>Security guarantee: read in memory only, never written anywhere; the caller wipes the file
 * bytes and password. The JCA key object's numbers cannot be zeroed in Java; the object is
 * dropped as soon as the token has the key.
 */
record Pkcs12Contents(PrivateKey key, List<X509Certificate> chain, KeyAlgorithm algorithm) {

    static Pkcs12Contents read(byte[] file, char[] password) throws InvalidKeyRequestException {
        KeyStore store;
        try {
            store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(file), password);
        } catch (IOException | GeneralSecurityException e) {
            throw new InvalidKeyRequestException(
                    "cannot open the PKCS#12 file: wrong password or not a PKCS#12 file");
        }
        try {
            List<String> keyAliases = new ArrayList<>();
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    keyAliases.add(alias);
                }
            }
            if (keyAliases.size() != 1) {
                throw new InvalidKeyRequestException("the PKCS#12 file holds "
                        + keyAliases.size() + " private keys; exactly one is needed");
            }
            Key key = store.getKey(keyAliases.get(0), password);
            Certificate[] chain = store.getCertificateChain(keyAliases.get(0));
            if (!(key instanceof PrivateKey privateKey) || chain == null || chain.length == 0) {
                throw new InvalidKeyRequestException(
                        "the PKCS#12 file holds no private key with a certificate");
            }
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate c : chain) {
                certificates.add((X509Certificate) c);
            }
            // Before the match: the JDK cannot sign with every key a PKCS#12 file may hold (an
            // EC key on secp256k1, say), and "cannot read the key" would not say why.
            KeyAlgorithm algorithm = supported(certificates.get(0));
            matches(privateKey, certificates.get(0));
            return new Pkcs12Contents(privateKey, certificates, algorithm);
        } catch (GeneralSecurityException e) {
            throw new InvalidKeyRequestException("cannot read the key in the PKCS#12 file: "
                    + e.getClass().getSimpleName());
        }
    }

    private static KeyAlgorithm supported(X509Certificate leaf) throws InvalidKeyRequestException {
        try {
            return CertificateIdentity.algorithm(leaf);
        } catch (IllegalArgumentException e) {
            throw new InvalidKeyRequestException("cannot import the PKCS#12 file: "
                    + e.getMessage() + "; smimed takes " + Arrays.stream(KeyAlgorithm.values())
                            .map(KeyAlgorithm::name).collect(Collectors.joining(", ")));
        }
    }

    /** A software signature the certificate verifies proves the key is the certificate's. */
    private static void matches(PrivateKey key, X509Certificate certificate)
            throws GeneralSecurityException, InvalidKeyRequestException {
        if (EdwardsKeys.isX25519(key)) {
            // X25519 cannot sign: compare the public value the private key implies instead.
            if (!EdwardsKeys.x25519Matches(key, certificate.getPublicKey())) {
                throw new InvalidKeyRequestException("the PKCS#12 file's private key does not"
                        + " belong to its certificate");
            }
            return;
        }
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA"
                : EdwardsKeys.isEd25519(key) ? "Ed25519" : "SHA256withECDSA";
        byte[] probe = "smimed key match".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(probe);
        if (!verifier.verify(signer.sign())) {
            throw new InvalidKeyRequestException("the PKCS#12 file's private key does not"
                    + " belong to its certificate");
        }
    }
}
