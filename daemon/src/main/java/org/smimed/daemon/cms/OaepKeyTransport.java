package org.smimed.daemon.cms;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.oiw.OIWObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAESOAEPparams;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSException;
import org.smimed.daemon.token.TokenErrors;
import org.smimed.daemon.token.TokenMechanism;
import org.smimed.daemon.token.TokenMeter;

/**
 * Recovers a content-encryption key sent with RSAES-OAEP (RFC 3560, RFC 8017) with SHA-1,
 * SHA-224, SHA-256, SHA-384 or SHA-512 and an optional label.
 *
 * <p>The token's native OAEP is unusable (SunPKCS11 has none; SoftHSM2 accepts only SHA-1), so
 * the private-key step is raw RSA in the token and the OAEP decoding runs here in constant time
 * ({@link OaepDecoding}). The raw RSA result never leaves this class.
 *
 * <p>Security guarantee: like {@link RsaKeyTransport}, every failure after the parameters are
 * read (token error other than "token gone", bad encoding, wrong key length) continues with the
 * substitute key derived from the ciphertext ({@link ImplicitRejection}), so it surfaces at
 * content decryption like any other failure, the same way each time.
 */
final class OaepKeyTransport {
    private static final Map<ASN1ObjectIdentifier, String> HASHES = Map.of(
            OIWObjectIdentifiers.idSHA1, "SHA-1",
            NISTObjectIdentifiers.id_sha224, "SHA-224",
            NISTObjectIdentifiers.id_sha256, "SHA-256",
            NISTObjectIdentifiers.id_sha384, "SHA-384",
            NISTObjectIdentifiers.id_sha512, "SHA-512");

    private final Provider tokenProvider;
    private final Provider softwareProvider;
    private final ImplicitRejection rejection;
    private final TokenMeter meter;

    OaepKeyTransport(Provider tokenProvider, Provider softwareProvider,
                     ImplicitRejection rejection, TokenMeter meter) {
        this.meter = meter;
        this.tokenProvider = tokenProvider;
        this.softwareProvider = softwareProvider;
        this.rejection = rejection;
    }

    Key recover(PrivateKey key, RSAPublicKey publicKey, AlgorithmIdentifier keyAlgorithm,
                ContentCipher cipher, byte[] encryptedKey) throws CMSException {
        RSAESOAEPparams params = parameters(keyAlgorithm);
        MessageDigest hash = digest(params.getHashAlgorithm());
        if (!PKCSObjectIdentifiers.id_mgf1.equals(params.getMaskGenAlgorithm().getAlgorithm())
                || !PKCSObjectIdentifiers.id_pSpecified.equals(
                        params.getPSourceAlgorithm().getAlgorithm())) {
            throw new CMSException("unsupported OAEP mask generation or label source");
        }
        MessageDigest mgfHash = digest(AlgorithmIdentifier.getInstance(
                params.getMaskGenAlgorithm().getParameters()));
        byte[] label = ASN1OctetString.getInstance(
                params.getPSourceAlgorithm().getParameters()).getOctets();

        int k = (publicKey.getModulus().bitLength() + 7) / 8;
        // As in RsaKeyTransport: the token and the substitute see the same form of the number.
        byte[] ciphertext = RsaKeyTransport.modulusLength(encryptedKey, k);
        // Every parameter the decoding depends on, as it is used rather than as encoded.
        String scheme = "RSAES-OAEP " + hash.getAlgorithm() + " MGF1 " + mgfHash.getAlgorithm()
                + " label " + java.util.HexFormat.of().formatHex(label);
        byte[] substitute = rejection.substitute(key, k, ciphertext, cipher.keyBytes(), scheme);
        byte[] encoded = new byte[k];
        try {
            byte[] raw = meter.measure(TokenMechanism.RSA_X509_DECRYPT, () -> {
                Cipher rsa = Cipher.getInstance("RSA/ECB/NoPadding", tokenProvider);
                rsa.init(Cipher.DECRYPT_MODE, key);
                return rsa.doFinal(ciphertext);
            });
            // Right-align: a token may drop leading zero bytes. Y's value is checked in the
            // decoding, in constant time.
            int length = Math.min(raw.length, k);
            System.arraycopy(raw, raw.length - length, encoded, k - length, length);
            if (raw.length > k) {
                encoded[0] = 1; // cannot be a valid encoding; fails inside the decoding
            }
            java.util.Arrays.fill(raw, (byte) 0);
        } catch (GeneralSecurityException | RuntimeException e) {
            if (TokenErrors.isTokenGone(e)) {
                throw new TokenUnavailableSignal(e);
            }
            encoded[0] = 1; // a ciphertext the token refused: decode garbage, get the substitute
        }
        byte[] cek = OaepDecoding.decodeOrSubstitute(encoded, hash, mgfHash, label, substitute);
        java.util.Arrays.fill(encoded, (byte) 0);
        return new SecretKeySpec(cek, cipher.keyAlgorithm());
    }

    /**
     * RSAES-OAEP-params, which CMS requires (RFC 4055 section 4.1; an empty SEQUENCE means
     * every default): absent or NULL parameters were a NullPointerException or an
     * IllegalArgumentException in the daemon's log (found by an interop trial).
     */
    private static RSAESOAEPparams parameters(AlgorithmIdentifier keyAlgorithm)
            throws CMSException {
        var encoded = keyAlgorithm.getParameters();
        if (encoded == null || encoded instanceof org.bouncycastle.asn1.ASN1Null) {
            throw new CMSException("RSAES-OAEP parameters are missing (RFC 4055 section 4.1"
                    + " requires them; an empty SEQUENCE means the defaults)");
        }
        try {
            return RSAESOAEPparams.getInstance(encoded);
        } catch (IllegalArgumentException e) {
            throw new CMSException("RSAES-OAEP parameters are malformed", e);
        }
    }

    private MessageDigest digest(AlgorithmIdentifier algorithm) throws CMSException {
        String name = HASHES.get(algorithm.getAlgorithm());
        if (name == null) {
            throw new CMSException("unsupported OAEP hash " + algorithm.getAlgorithm());
        }
        try {
            return MessageDigest.getInstance(name, softwareProvider);
        } catch (GeneralSecurityException e) {
            throw new CMSException("no " + name, e);
        }
    }
}
