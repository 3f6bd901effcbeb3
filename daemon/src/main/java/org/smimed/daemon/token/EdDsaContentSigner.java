package org.smimed.daemon.token;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.RuntimeOperatorException;

/**
 * A Bouncy Castle {@link ContentSigner} for id-Ed25519 (RFC 8419) whose pure EdDSA signature
 * is made in the token with CKM_EDDSA. Pure EdDSA signs the whole input (for CMS, the DER of
 * the signed attributes), so the input is buffered.
 *
 * <p>Security guarantee: only the signature leaves the token.
 */
public final class EdDsaContentSigner implements ContentSigner {
    private final TokenKeyReference key;
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();

    public EdDsaContentSigner(TokenKeyReference key) {
        if (key.algorithm() != KeyAlgorithm.ED25519) {
            throw new IllegalArgumentException(key.algorithm() + " keys cannot sign");
        }
        this.key = key;
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        return new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519);
    }

    @Override
    public OutputStream getOutputStream() {
        return data;
    }

    @Override
    public byte[] getSignature() {
        try {
            return key.sign(data.toByteArray());
        } catch (TokenException e) {
            throw new RuntimeOperatorException("token signature failed: " + e.getMessage(), e);
        } finally {
            data.reset();
        }
    }
}
