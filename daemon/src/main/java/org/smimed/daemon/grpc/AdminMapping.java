package org.smimed.daemon.grpc;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import org.smimed.api.v1.KeyGenAlgorithm;
import org.smimed.api.v1.KeyUsageKind;
import org.smimed.api.v1.KeyVersionInfo;
import org.smimed.api.v1.KeyVersionState;
import org.smimed.daemon.approval.ApprovalGate;
import org.smimed.daemon.cms.InvalidRequestException;
import org.smimed.daemon.keys.CertificateSummary;
import org.smimed.daemon.keys.KeyAdministration;
import org.smimed.daemon.keys.KeyState;
import org.smimed.daemon.keys.TokenVersion;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.token.TokenException;

/** Translates key administration between the proto and the domain. */
final class AdminMapping {
    private final KeyAdministration admin;
    private final Clock clock;

    AdminMapping(KeyAdministration admin, Clock clock) {
        this.admin = admin;
        this.clock = clock;
    }

    static KeyAlgorithm algorithm(KeyGenAlgorithm value) throws InvalidRequestException {
        return switch (value) {
            case KEY_GEN_ALGORITHM_RSA_2048 -> KeyAlgorithm.RSA_2048;
            case KEY_GEN_ALGORITHM_RSA_3072 -> KeyAlgorithm.RSA_3072;
            case KEY_GEN_ALGORITHM_RSA_4096 -> KeyAlgorithm.RSA_4096;
            case KEY_GEN_ALGORITHM_P256 -> KeyAlgorithm.EC_P256;
            case KEY_GEN_ALGORITHM_P384 -> KeyAlgorithm.EC_P384;
            case KEY_GEN_ALGORITHM_P521 -> KeyAlgorithm.EC_P521;
            case KEY_GEN_ALGORITHM_ED25519 -> KeyAlgorithm.ED25519;
            case KEY_GEN_ALGORITHM_X25519 -> KeyAlgorithm.X25519;
            case KEY_GEN_ALGORITHM_UNSPECIFIED -> throw new InvalidRequestException(
                    "algorithm is required");
            default -> throw new InvalidRequestException("unknown algorithm " + value);
        };
    }

    static KeyUsage usage(KeyUsageKind value) throws InvalidRequestException {
        return switch (value) {
            case KEY_USAGE_KIND_SIGN -> KeyUsage.SIGN;
            case KEY_USAGE_KIND_ENCRYPT -> KeyUsage.ENCRYPT;
            case KEY_USAGE_KIND_BOTH -> KeyUsage.BOTH;
            case KEY_USAGE_KIND_UNSPECIFIED -> throw new InvalidRequestException(
                    "usage is required");
            default -> throw new InvalidRequestException("unknown usage " + value);
        };
    }

    /**
     * The answer to activate, disable, destroy or import-pkcs12: the version as it now is, plus the
     * pending approval id and expiry when dual control held the action back ({@code identity} names
     * it when no version exists yet).
     */
    KeyVersionInfo outcome(ApprovalGate.Outcome outcome, String identity)
            throws TokenException {
        KeyVersionInfo.Builder b = outcome.version().isPresent()
                ? info(outcome.version().get()).toBuilder()
                : KeyVersionInfo.newBuilder().setIdentity(identity);
        outcome.pending().ifPresent(p -> b.setPendingApprovalId(p.id())
                .setPendingExpires(p.expires().toString()));
        if (outcome.version().isEmpty() && outcome.heldCertificate().isPresent()) {
            X509Certificate held = outcome.heldCertificate().get();
            b.setCertificateSubject(held.getSubjectX500Principal().getName())
                    .setCertificateSerial(CertificateSummary.serial(held.getSerialNumber()))
                    .setFingerprint(CertificateSummary.sha256(held));
        }
        return b.build();
    }

    KeyVersionInfo info(TokenVersion v) throws TokenException {
        KeyVersionInfo.Builder b = KeyVersionInfo.newBuilder().setVersion(v.name())
                .setIdentity(v.record().identity())
                .setState(state(v.state()))
                .setAlgorithm(algorithm(v.record().algorithm()))
                .setUsage(kind(v.record().usage()))
                .setLegacy(v.legacy())
                .setCreated(v.record().created().toString())
                .setUpdated(v.record().updated().toString());
        admin.view().fingerprint(v).ifPresent(b::setFingerprint);
        if (v.state() != KeyState.DESTROYED) {
            admin.view().publicKey(v).ifPresent(k -> b.setPublicKey(
                    com.google.protobuf.ByteString.copyFrom(k.getEncoded())));
        }
        admin.view().protection(v).ifPresent(p -> b.setKeyProtection(
                org.smimed.api.v1.KeyProtection.newBuilder().setSensitive(p.sensitive())
                        .setExtractable(p.extractable()).setAlwaysSensitive(p.alwaysSensitive())
                        .setNeverExtractable(p.neverExtractable()).setModifiable(p.modifiable())
                        .setCopyable(p.copyable())));
        if (v.certificate().isPresent()) {
            X509Certificate c = v.certificate().get();
            b.setCertificateSubject(c.getSubjectX500Principal().getName())
                    .setCertificateSerial(CertificateSummary.serial(c.getSerialNumber()))
                    .setNotAfter(c.getNotAfter().toInstant().toString())
                    // Rounded down, so a certificate expired a minute ago is -1, not 0 (an
                    // officer trial read "0 days" as still valid).
                    .setDaysLeft(Math.floorDiv(Duration.between(clock.instant(),
                            c.getNotAfter().toInstant()).toSeconds(), 86_400L));
        }
        return b.build();
    }

    private static KeyVersionState state(KeyState state) {
        return switch (state) {
            case PENDING -> KeyVersionState.KEY_VERSION_STATE_PENDING;
            case ACTIVE -> KeyVersionState.KEY_VERSION_STATE_ACTIVE;
            case DECRYPT_ONLY -> KeyVersionState.KEY_VERSION_STATE_DECRYPT_ONLY;
            case DISABLED -> KeyVersionState.KEY_VERSION_STATE_DISABLED;
            case DESTROYED -> KeyVersionState.KEY_VERSION_STATE_DESTROYED;
        };
    }

    private static KeyUsageKind kind(KeyUsage usage) {
        return switch (usage) {
            case SIGN -> KeyUsageKind.KEY_USAGE_KIND_SIGN;
            case ENCRYPT -> KeyUsageKind.KEY_USAGE_KIND_ENCRYPT;
            case BOTH -> KeyUsageKind.KEY_USAGE_KIND_BOTH;
        };
    }

    private static KeyGenAlgorithm algorithm(KeyAlgorithm a) {
        return switch (a) {
            case RSA_2048 -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_RSA_2048;
            case RSA_3072 -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_RSA_3072;
            case RSA_4096 -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_RSA_4096;
            case EC_P256 -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_P256;
            case EC_P384 -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_P384;
            case EC_P521 -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_P521;
            case ED25519 -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_ED25519;
            case X25519 -> KeyGenAlgorithm.KEY_GEN_ALGORITHM_X25519;
        };
    }
}
