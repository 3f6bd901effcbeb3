package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.RuntimeOperatorException;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_MECHANISM;

/**
 * A Bouncy Castle {@link ContentSigner} whose signature is made in the token with
 * {@code C_SignInit}/{@code C_Sign} on the private key with a given CKA_ID. It works for keys
 * that have no certificate yet (which the SunPKCS11 key store cannot hand out), e.g. to sign a
 * certificate request for a PENDING key.
 *
 * <p>Security guarantee: only the signature leaves the token. RSA keys sign with
 * CKM_SHA256_RSA_PKCS; EC keys sign a software SHA-256, SHA-384 or SHA-512 digest (P-256,
 * P-384, P-521) with CKM_ECDSA; Ed25519 keys sign the whole message with CKM_EDDSA.
 */
public final class TokenContentSigner implements ContentSigner {
    private final Pkcs11Token token;
    private final String keyId;
    private final KeyAlgorithm algorithm;
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();

    public TokenContentSigner(Pkcs11Token token, String keyId, KeyAlgorithm algorithm) {
        this.token = token;
        this.keyId = keyId;
        this.algorithm = algorithm;
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        if (algorithm == KeyAlgorithm.ED25519) {
            return new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519);
        }
        if (algorithm.family() == KeyAlgorithm.Family.RSA) {
            return new AlgorithmIdentifier(PKCSObjectIdentifiers.sha256WithRSAEncryption,
                    DERNull.INSTANCE);
        }
        return new AlgorithmIdentifier(switch (algorithm) {
            case EC_P384 -> X9ObjectIdentifiers.ecdsa_with_SHA384;
            case EC_P521 -> X9ObjectIdentifiers.ecdsa_with_SHA512;
            default -> X9ObjectIdentifiers.ecdsa_with_SHA256;
        });
    }

    /**
     * The hash that matches the curve (RFC 5480 section 4; P-521 with SHA-512, as the CMS
     * signatures have it: an interop trial found its CSR signed over SHA-384).
     */
    private String ecdsaHash() {
        return switch (algorithm) {
            case EC_P384 -> "SHA-384";
            case EC_P521 -> "SHA-512";
            default -> "SHA-256";
        };
    }

    @Override
    public OutputStream getOutputStream() {
        return data;
    }

    @Override
    public byte[] getSignature() {
        try {
            return sign(data.toByteArray());
        } catch (TokenException e) {
            throw new RuntimeOperatorException("token signature failed: " + e.getMessage(), e);
        } finally {
            data.reset();
        }
    }

    private byte[] sign(byte[] message) throws TokenException {
        if (algorithm == KeyAlgorithm.ED25519) {
            return new EdwardsOperations(token).sign(
                    new TokenKeyReference(keyId, algorithm, null), message);
        }
        if (algorithm == KeyAlgorithm.X25519) {
            throw new TokenException(TokenException.Kind.REJECTED,
                    "an X25519 key cannot sign (RFC 8418: the CA certifies it without a CSR)");
        }
        boolean rsa = algorithm.family() == KeyAlgorithm.Family.RSA;
        byte[] input = rsa ? message : digest(message);
        byte[] raw = token.inSession((module, session) -> {
            long[] keys = Pkcs11Search.all(module, session, new CK_ATTRIBUTE[] {
                new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY),
                new CK_ATTRIBUTE(CKA_ID, KeyObjects.bytes(keyId))});
            if (keys.length != 1) {
                throw new TokenException(TokenException.Kind.REJECTED,
                        keys.length + " private keys with the version's CKA_ID");
            }
            module.C_SignInit(session, new CK_MECHANISM(rsa ? CKM_SHA256_RSA_PKCS : CKM_ECDSA),
                    keys[0]);
            return module.C_Sign(session, input);
        });
        return rsa ? raw : derEcdsa(raw);
    }

    private byte[] digest(byte[] message) {
        try {
            return MessageDigest.getInstance(ecdsaHash()).digest(message);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-2", e);
        }
    }

    /** PKCS#11 ECDSA gives r || s; X.509 and PKCS#10 want SEQUENCE { r, s }. */
    private static byte[] derEcdsa(byte[] raw) {
        int half = raw.length / 2;
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, 0, half))));
        v.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, half, raw.length))));
        try {
            return new DERSequence(v).getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding of two integers failed", e);
        }
    }
}
