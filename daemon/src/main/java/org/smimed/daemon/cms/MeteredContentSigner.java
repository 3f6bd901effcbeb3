package org.smimed.daemon.cms;

import java.io.OutputStream;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentSigner;
import org.smimed.daemon.token.TokenMechanism;
import org.smimed.daemon.token.TokenMeter;

/**
 * A {@link ContentSigner} that times its signature: Bouncy Castle feeds the signed attributes
 * through the stream (no token work), then {@link #getSignature()} is the one call that runs
 * the private-key operation in the token.
 */
final class MeteredContentSigner implements ContentSigner {
    private final ContentSigner signer;
    private final TokenMeter meter;
    private final TokenMechanism mechanism;

    MeteredContentSigner(ContentSigner signer, TokenMeter meter, TokenMechanism mechanism) {
        this.signer = signer;
        this.meter = meter;
        this.mechanism = mechanism;
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        return signer.getAlgorithmIdentifier();
    }

    @Override
    public OutputStream getOutputStream() {
        return signer.getOutputStream();
    }

    @Override
    public byte[] getSignature() {
        return meter.measure(mechanism, signer::getSignature);
    }
}
