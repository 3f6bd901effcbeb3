package org.smimed.daemon.cms;

import java.io.OutputStream;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;

/**
 * Hands Bouncy Castle's signer a digest the client already computed, so the content never
 * travels to the daemon. Only usable with detached signatures over absent content: any attempt
 * to feed it bytes fails loudly instead of producing a digest of the wrong data.
 */
final class PrecomputedDigestProvider implements DigestCalculatorProvider {
    private final DigestAlgorithm algorithm;
    private final byte[] digest;

    PrecomputedDigestProvider(DigestAlgorithm algorithm, byte[] digest) {
        this.algorithm = algorithm;
        this.digest = digest.clone();
    }

    @Override
    public DigestCalculator get(AlgorithmIdentifier requested) throws OperatorCreationException {
        if (!requested.getAlgorithm().equals(algorithm.identifier().getAlgorithm())) {
            throw new OperatorCreationException("digest " + requested.getAlgorithm()
                    + " requested, but the client computed " + algorithm);
        }
        return new DigestCalculator() {
            @Override
            public AlgorithmIdentifier getAlgorithmIdentifier() {
                return algorithm.identifier();
            }

            @Override
            public OutputStream getOutputStream() {
                return new OutputStream() {
                    @Override
                    public void write(int b) {
                        throw new IllegalStateException("content given to a precomputed digest");
                    }
                };
            }

            @Override
            public byte[] getDigest() {
                return digest.clone();
            }
        };
    }
}
