package org.smimed.daemon.keys;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
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
        boolean readByBouncyCastle = false;
        try {
            store = open(file, password, null);
        } catch (InvalidKeyRequestException jdkCannot) {
            // The JDK refuses files OpenSSL writes with a password beyond ASCII ("keystore
            // password was incorrect"; found by an import trial); Bouncy Castle reads them. A
            // wrong password fails here too, with the same message.
            store = open(file, password, new BouncyCastleProvider());
            readByBouncyCastle = true;
        }
        try {
            if (!readByBouncyCastle && keyAliases(store).isEmpty()) {
                // The JDK skips a plain keyBag (RFC 7292 4.2.1), which `openssl pkcs12 -keypbe
                // NONE` writes; Bouncy Castle reads it. Its objects are turned into JDK ones
                // below, so the rest of the migration sees what it sees for any other file.
                store = open(file, password, new BouncyCastleProvider());
                readByBouncyCastle = true;
            }
            List<String> keyAliases = keyAliases(store);
            if (keyAliases.size() != 1) {
                throw new InvalidKeyRequestException("the PKCS#12 file holds "
                        + keyAliases.size() + " private keys; exactly one is needed: export"
                        + " the key to import alone, with its certificate and CA certificates");
            }
            Key key = store.getKey(keyAliases.get(0), password);
            Certificate[] chain = store.getCertificateChain(keyAliases.get(0));
            if ((chain == null || chain.length == 0) && readByBouncyCastle
                    && key instanceof PrivateKey unmarked) {
                // OpenSSL's plain keyBag of an Ed25519 or X25519 key (-keypbe NONE) carries no
                // localKeyId, so Bouncy Castle ties no certificate to it (an officer trial): the
                // file's certificates are read directly, the key's own first.
                chain = ownChain(file, password, jdkKey(unmarked));
            }
            if (!(key instanceof PrivateKey privateKey) || chain == null || chain.length == 0) {
                throw new InvalidKeyRequestException(
                        "the PKCS#12 file holds no private key with a certificate");
            }
            // Before the match: the JDK cannot sign with every key a PKCS#12 file may hold (an
            // EC key on secp256k1, say), and "cannot read the key" would not say why. Before
            // the conversion too: the JDK cannot parse a certificate whose key has explicit
            // curve parameters, which Bouncy Castle read.
            KeyAlgorithm algorithm = supported((X509Certificate) chain[0]);
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate c : chain) {
                certificates.add(readByBouncyCastle ? jdkCertificate(c) : (X509Certificate) c);
            }
            PrivateKey usable = readByBouncyCastle ? jdkKey(privateKey) : privateKey;
            matches(usable, certificates.get(0));
            if (usable instanceof java.security.interfaces.RSAPrivateKey
                    && !(usable instanceof java.security.interfaces.RSAPrivateCrtKey)) {
                // The token takes RSA keys in CRT form only: refused here, when the file is
                // checked, rather than as INTERNAL once an approver executes the import (a
                // security review). The JDK reads zeroed CRT fields as such a key.
                throw new InvalidKeyRequestException("the PKCS#12 file's RSA key lacks its CRT"
                        + " parameters (p, q, dP, dQ, qInv), which the token needs: export it"
                        + " again with them (openssl pkcs12 -export writes them)");
            }
            return new Pkcs12Contents(usable, certificates, algorithm);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new InvalidKeyRequestException("cannot read the key in the PKCS#12 file: "
                    + e.getClass().getSimpleName());
        }
    }

    /** Loads the file with the JDK's PKCS#12 key store, or the given provider's. */
    private static KeyStore open(byte[] file, char[] password, Provider provider)
            throws InvalidKeyRequestException {
        try {
            KeyStore store = provider == null ? KeyStore.getInstance("PKCS12")
                    : KeyStore.getInstance("PKCS12", provider);
            store.load(new ByteArrayInputStream(file), password);
            return store;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new InvalidKeyRequestException(
                    "cannot open the PKCS#12 file: wrong password or not a PKCS#12 file");
        }
    }

    /**
     * The certificates of every bag of {@code file}, the one certifying {@code key} first;
     * null when none does.
     */
    private static Certificate[] ownChain(byte[] file, char[] password, PrivateKey key)
            throws GeneralSecurityException {
        List<X509Certificate> all = new ArrayList<>();
        try {
            var pfx = new org.bouncycastle.pkcs.PKCS12PfxPdu(file);
            var decryptor = new org.bouncycastle.pkcs.jcajce
                    .JcePKCSPBEInputDecryptorProviderBuilder()
                    .setProvider(new BouncyCastleProvider()).build(password);
            for (var info : pfx.getContentInfos()) {
                var bags = info.getContentType().equals(
                        org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.encryptedData)
                        ? new org.bouncycastle.pkcs.PKCS12SafeBagFactory(info, decryptor)
                        : new org.bouncycastle.pkcs.PKCS12SafeBagFactory(info);
                for (var bag : bags.getSafeBags()) {
                    if (bag.getBagValue()
                            instanceof org.bouncycastle.cert.X509CertificateHolder holder) {
                        all.add(jdkCertificate(new org.bouncycastle.cert.jcajce
                                .JcaX509CertificateConverter().getCertificate(holder)));
                    }
                }
            }
        } catch (IOException | org.bouncycastle.pkcs.PKCSException e) {
            return null;
        }
        for (X509Certificate candidate : all) {
            try {
                matches(key, candidate);
            } catch (InvalidKeyRequestException | GeneralSecurityException notIt) {
                continue;
            }
            List<Certificate> chain = new ArrayList<>(List.of(candidate));
            all.stream().filter(c -> c != candidate).forEach(chain::add);
            return chain.toArray(Certificate[]::new);
        }
        return null;
    }

    private static List<String> keyAliases(KeyStore store) throws KeyStoreException {
        List<String> keyAliases = new ArrayList<>();
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                keyAliases.add(alias);
            }
        }
        return keyAliases;
    }

    private static X509Certificate jdkCertificate(Certificate c) throws GeneralSecurityException {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(c.getEncoded()));
    }

    /** The same key as a JDK object; a key type the JDK has no factory for is left as it is. */
    private static PrivateKey jdkKey(PrivateKey key) throws GeneralSecurityException {
        byte[] encoded = key.getEncoded();
        try {
            String oid = PrivateKeyInfo.getInstance(encoded).getPrivateKeyAlgorithm()
                    .getAlgorithm().getId();
            String factory = switch (oid) {
                case "1.2.840.113549.1.1.1" -> "RSA";
                case "1.2.840.10045.2.1" -> "EC";
                case "1.3.101.112" -> "Ed25519";
                case "1.3.101.110" -> "X25519";
                default -> null;
            };
            return factory == null ? key : KeyFactory.getInstance(factory)
                    .generatePrivate(new PKCS8EncodedKeySpec(encoded));
        } finally {
            Arrays.fill(encoded, (byte) 0);
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
