package org.smimed.daemon.grpc;

import java.util.Optional;
import org.smimed.api.v1.KeyAlgorithm;
import org.smimed.daemon.cms.DigestAlgorithm;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.cms.SignatureScheme;

/** Translates between the proto's enums and the domain's. */
final class ProtoMapping {
    private ProtoMapping() {
    }

    static Optional<DigestAlgorithm> digest(org.smimed.api.v1.DigestAlgorithm value)
            throws InvalidRequestException {
        return switch (value) {
            case DIGEST_ALGORITHM_UNSPECIFIED -> Optional.empty();
            case DIGEST_ALGORITHM_SHA256 -> Optional.of(DigestAlgorithm.SHA256);
            case DIGEST_ALGORITHM_SHA384 -> Optional.of(DigestAlgorithm.SHA384);
            case DIGEST_ALGORITHM_SHA512 -> Optional.of(DigestAlgorithm.SHA512);
            default -> throw new InvalidRequestException("unknown digest algorithm " + value);
        };
    }

    static org.smimed.api.v1.DigestAlgorithm toProto(DigestAlgorithm value) {
        return switch (value) {
            case SHA256 -> org.smimed.api.v1.DigestAlgorithm.DIGEST_ALGORITHM_SHA256;
            case SHA384 -> org.smimed.api.v1.DigestAlgorithm.DIGEST_ALGORITHM_SHA384;
            case SHA512 -> org.smimed.api.v1.DigestAlgorithm.DIGEST_ALGORITHM_SHA512;
        };
    }

    static Optional<SignatureScheme> scheme(org.smimed.api.v1.SignatureAlgorithm value)
            throws InvalidRequestException {
        return switch (value) {
            case SIGNATURE_ALGORITHM_UNSPECIFIED -> Optional.empty();
            case SIGNATURE_ALGORITHM_RSA_PKCS1 -> Optional.of(SignatureScheme.RSA_PKCS1);
            case SIGNATURE_ALGORITHM_ECDSA -> Optional.of(SignatureScheme.ECDSA);
            case SIGNATURE_ALGORITHM_RSA_PSS -> Optional.of(SignatureScheme.RSA_PSS);
            case SIGNATURE_ALGORITHM_ED25519 -> Optional.of(SignatureScheme.ED25519);
            default -> throw new InvalidRequestException("unknown signature algorithm " + value);
        };
    }

    static KeyAlgorithm keyAlgorithm(org.smimed.daemon.token.KeyAlgorithm algorithm) {
        return switch (algorithm) {
            case RSA_2048 -> KeyAlgorithm.KEY_ALGORITHM_RSA_2048;
            case RSA_3072 -> KeyAlgorithm.KEY_ALGORITHM_RSA_3072;
            case RSA_4096 -> KeyAlgorithm.KEY_ALGORITHM_RSA_4096;
            case EC_P256 -> KeyAlgorithm.KEY_ALGORITHM_EC_P256;
            case EC_P384 -> KeyAlgorithm.KEY_ALGORITHM_EC_P384;
            case EC_P521 -> KeyAlgorithm.KEY_ALGORITHM_EC_P521;
            case ED25519 -> KeyAlgorithm.KEY_ALGORITHM_ED25519;
            case X25519 -> KeyAlgorithm.KEY_ALGORITHM_X25519;
        };
    }
}
