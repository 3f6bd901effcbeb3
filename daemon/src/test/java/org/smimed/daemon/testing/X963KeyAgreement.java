package org.smimed.daemon.testing;

import java.nio.ByteBuffer;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.cms.IssuerAndSerialNumber;
import org.bouncycastle.asn1.cms.KeyAgreeRecipientIdentifier;
import org.bouncycastle.asn1.cms.RecipientEncryptedKey;
import org.bouncycastle.asn1.cms.ecc.ECCCMSSharedInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.KeyAgreeRecipientInfoGenerator;
import org.bouncycastle.operator.GenericKey;

/**
 * A sender of RFC 8418 section 2.1 messages — ephemeral-static X25519 with the ANSI X9.63 KDF
 * (dhSinglePass-stdDH-sha256/384/512kdf-scheme), as CryptoSys writes them — which Bouncy
 * Castle cannot write (its generator takes those schemes for NIST curves only). Written from
 * the RFC with the JDK's X25519, SHA-2 and AES key wrap; Bouncy Castle only assembles the
 * structures.
 */
final class X963KeyAgreement extends KeyAgreeRecipientInfoGenerator {
    private static final int X25519_BYTES = 32;
    /** Null when the sender sends the low-order point u = 0 (Z all zeros) instead of a key. */
    private final KeyPair ephemeral;
    private final X509Certificate recipient;
    private final String digest;

    private X963KeyAgreement(ASN1ObjectIdentifier scheme, String digest, KeyPair ephemeral,
                             SubjectPublicKeyInfo originator, X509Certificate recipient,
                             ASN1ObjectIdentifier wrap) {
        super(scheme, originator, wrap);
        this.ephemeral = ephemeral;
        this.recipient = recipient;
        this.digest = digest;
    }

    /** A RecipientInfo generator for {@code recipient}'s X25519 certificate. */
    static X963KeyAgreement to(X509Certificate recipient, ASN1ObjectIdentifier scheme,
                               String digest, ASN1ObjectIdentifier wrap) throws Exception {
        KeyPair ephemeral = KeyPairGenerator.getInstance("X25519").generateKeyPair();
        return new X963KeyAgreement(scheme, digest, ephemeral,
                SubjectPublicKeyInfo.getInstance(ephemeral.getPublic().getEncoded()),
                recipient, wrap);
    }

    /**
     * An attacker's generator: the originator key is u = 0, a point of low order, so X25519
     * with any private key gives Z = 0 (RFC 7748 section 6.1) and anyone can wrap the content
     * key under the key-encryption key that Z derives, no private key needed.
     */
    static X963KeyAgreement lowOrderPoint(X509Certificate recipient, ASN1ObjectIdentifier scheme,
                                          String digest, ASN1ObjectIdentifier wrap) {
        var u0 = new SubjectPublicKeyInfo(new AlgorithmIdentifier(
                new ASN1ObjectIdentifier("1.3.101.110")), new byte[X25519_BYTES]);
        return new X963KeyAgreement(scheme, digest, null, u0, recipient, wrap);
    }

    @Override
    protected ASN1Sequence generateRecipientEncryptedKeys(AlgorithmIdentifier keyAgreeAlgorithm,
            AlgorithmIdentifier keyEncAlgorithm, GenericKey contentEncryptionKey)
            throws CMSException {
        try {
            byte[] z = new byte[X25519_BYTES];
            if (ephemeral != null) {
                KeyAgreement x25519 = KeyAgreement.getInstance("X25519");
                x25519.init(ephemeral.getPrivate());
                x25519.doPhase(recipient.getPublicKey(), true); // the JDK reads X25519 keys
                z = x25519.generateSecret();
            }
            int kekBytes = switch (keyEncAlgorithm.getAlgorithm().getId()) {
                case "2.16.840.1.101.3.4.1.5" -> 16;
                case "2.16.840.1.101.3.4.1.25" -> 24;
                default -> 32;
            };
            byte[] sharedInfo = new ECCCMSSharedInfo(keyEncAlgorithm,
                    ByteBuffer.allocate(4).putInt(kekBytes * 8).array())
                    .getEncoded(ASN1Encoding.DER);
            Cipher wrap = Cipher.getInstance("AESWrap");
            wrap.init(Cipher.WRAP_MODE, new SecretKeySpec(x963(z, sharedInfo, kekBytes), "AES"));
            byte[] wrapped = wrap.wrap(contentKey(contentEncryptionKey));
            var holder = new X509CertificateHolder(recipient.getEncoded());
            var id = new KeyAgreeRecipientIdentifier(
                    new IssuerAndSerialNumber(holder.getIssuer(), holder.getSerialNumber()));
            ASN1EncodableVector keys = new ASN1EncodableVector();
            keys.add(new RecipientEncryptedKey(id, new DEROctetString(wrapped)));
            return new DERSequence(keys);
        } catch (Exception e) {
            throw new CMSException("X25519 X9.63 key agreement failed", e);
        }
    }

    @Override
    protected byte[] getUserKeyingMaterial(AlgorithmIdentifier keyAgreeAlgorithm) {
        return null;
    }

    /** ANSI X9.63 KDF (SEC 1 section 3.6.1): Hash(Z || counter || SharedInfo), counter from 1. */
    private byte[] x963(byte[] z, byte[] sharedInfo, int length) throws Exception {
        MessageDigest hash = MessageDigest.getInstance(digest);
        byte[] out = new byte[0];
        for (int counter = 1; out.length < length; counter++) {
            hash.update(z);
            hash.update(ByteBuffer.allocate(4).putInt(counter).array());
            hash.update(sharedInfo);
            byte[] block = hash.digest();
            byte[] longer = Arrays.copyOf(out, out.length + block.length);
            System.arraycopy(block, 0, longer, out.length, block.length);
            out = longer;
        }
        return Arrays.copyOf(out, length);
    }

    private static Key contentKey(GenericKey key) {
        return key.getRepresentation() instanceof Key k
                ? k : new SecretKeySpec((byte[]) key.getRepresentation(), "AES");
    }
}
