package org.smimed.daemon.cms;

import java.io.IOException;
import java.security.Provider;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Clock;
import java.util.Date;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.cms.CMSAbsentContent;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.CMSTypedData;
import org.bouncycastle.cms.DefaultSignedAttributeTableGenerator;
import org.bouncycastle.cms.SignerInfoGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.token.EdDsaContentSigner;
import org.smimed.daemon.token.KeyAlgorithm;
import org.smimed.daemon.token.TokenErrors;
import org.smimed.daemon.token.TokenException;
import org.smimed.daemon.token.TokenKeyReference;
import org.smimed.daemon.token.TokenMeter;

/**
 * Makes CMS SignedData (RFC 5652) with a key that stays in the token.
 *
 * <p>Security guarantees: the private-key operation runs in the token through its own
 * provider; the algorithm is the one asked for or the key's default, never a silent
 * substitute; every signature carries contentType, signingTime, messageDigest,
 * CMSAlgorithmProtection (RFC 6211), SMIMECapabilities and signingCertificateV2 (RFC 5035).
 */
public final class CmsSigner {
    private final Provider tokenProvider;
    private final DigestCalculatorProvider softwareDigests;
    private final Clock clock;
    private final TokenMeter meter;
    private final Map<String, SignerProfile> profiles = new ConcurrentHashMap<>();

    /**
     * @param tokenProvider the token's provider, which performs the signature
     * @param softwareProvider computes content digests (Bouncy Castle, not registered globally)
     * @param clock the source of signingTime
     */
    public CmsSigner(Provider tokenProvider, Provider softwareProvider, Clock clock) {
        this(tokenProvider, softwareProvider, clock, TokenMeter.none());
    }

    /** As above, telling {@code meter} about each signature made in the token. */
    public CmsSigner(Provider tokenProvider, Provider softwareProvider, Clock clock,
                     TokenMeter meter) {
        this.meter = meter;
        this.tokenProvider = tokenProvider;
        this.clock = clock;
        try {
            this.softwareDigests = new JcaDigestCalculatorProviderBuilder()
                    .setProvider(softwareProvider).build();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("no digest provider", e);
        }
    }

    /** Signs as {@code key}. */
    public SignedMessage sign(KeyVersion key, SignatureRequest request)
            throws InvalidRequestException, TokenException {
        SignatureScheme scheme = request.scheme().orElse(SignatureScheme.defaultFor(key.algorithm()));
        if (!scheme.worksWith(key.algorithm())) {
            throw new InvalidRequestException("signature algorithm " + scheme
                    + " does not work with the " + key.algorithm() + " key of '"
                    + key.identity() + "'");
        }
        DigestAlgorithm digest = digestFor(key, request);
        if (scheme == SignatureScheme.ED25519 && digest != DigestAlgorithm.SHA512) {
            throw new InvalidRequestException("Ed25519 signatures use SHA-512 for the message"
                    + " digest (RFC 8419), not " + digest);
        }
        DigestCalculatorProvider digests = digests(request.input(), request.encapsulate());
        CMSTypedData content = request.input() instanceof SignatureRequest.Content c
                ? new CMSProcessableByteArray(c.bytes()) : new CMSAbsentContent();
        SignerProfile profile = profiles.computeIfAbsent(key.id(), id -> SignerProfile.of(key));
        try {
            ContentSigner signer = new MeteredContentSigner(
                    key.privateKey() instanceof TokenKeyReference edwards
                            ? new EdDsaContentSigner(edwards)
                            : contentSigner(scheme, digest).build(key.privateKey()),
                    meter, scheme.mechanism());
            SignerInfoGenerator signerInfo = new JcaSignerInfoGeneratorBuilder(digests)
                    .setSignedAttributeGenerator(attributes(profile))
                    .build(signer, profile.certificate());
            CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
            generator.addSignerInfoGenerator(signerInfo);
            generator.addCertificates(profile.chain());
            byte[] der = generator.generate(content, request.encapsulate()).getEncoded("DER");
            return new SignedMessage(der, key, digest);
        } catch (OperatorCreationException | CMSException | IOException | RuntimeException e) {
            if (TokenErrors.isUnavailable(e)) {
                throw new TokenException(TokenException.Kind.UNAVAILABLE,
                        "token failed to sign with " + key.id(), e);
            }
            throw new IllegalStateException("signing with " + key.id() + " failed", e);
        }
    }

    private JcaContentSignerBuilder contentSigner(SignatureScheme scheme, DigestAlgorithm digest) {
        String name = digest.jcaSignatureName(scheme);
        if (scheme != SignatureScheme.RSA_PSS) {
            return new JcaContentSignerBuilder(name).setProvider(tokenProvider);
        }
        // RFC 4056 / RFC 8551: MGF1 with the same hash, salt length = hash length.
        String hash = digest.jcaHashName();
        PSSParameterSpec pss = new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash),
                digest.length(), PSSParameterSpec.TRAILER_FIELD_BC);
        return new JcaContentSignerBuilder(name, pss).setProvider(tokenProvider);
    }

    private static DigestAlgorithm digestFor(KeyVersion key, SignatureRequest request)
            throws InvalidRequestException {
        if (request.input() instanceof SignatureRequest.PrecomputedDigest d) {
            if (d.value().length != d.algorithm().length()) {
                throw new InvalidRequestException("a " + d.algorithm() + " digest is "
                        + d.algorithm().length() + " bytes, got " + d.value().length);
            }
            return d.algorithm();
        }
        return request.digest().orElse(defaultDigest(key.algorithm()));
    }

    /** The hash that matches the key's strength (RFC 5753 for the curves). */
    static DigestAlgorithm defaultDigest(KeyAlgorithm algorithm) {
        return switch (algorithm) {
            case EC_P384 -> DigestAlgorithm.SHA384;
            case EC_P521, ED25519 -> DigestAlgorithm.SHA512;
            default -> DigestAlgorithm.SHA256;
        };
    }

    private DigestCalculatorProvider digests(SignatureRequest.Input input, boolean encapsulate)
            throws InvalidRequestException {
        if (input instanceof SignatureRequest.PrecomputedDigest d) {
            if (encapsulate) {
                throw new InvalidRequestException("an encapsulated signature needs the content,"
                        + " not a digest");
            }
            return new PrecomputedDigestProvider(d.algorithm(), d.value());
        }
        return softwareDigests;
    }

    private DefaultSignedAttributeTableGenerator attributes(SignerProfile profile) {
        Hashtable<ASN1ObjectIdentifier, Attribute> fixed = new Hashtable<>();
        fixed.put(CMSAttributes.signingTime, new Attribute(CMSAttributes.signingTime,
                new DERSet(new Time(Date.from(clock.instant())))));
        fixed.put(profile.smimeCapabilities().getAttrType(), profile.smimeCapabilities());
        fixed.put(profile.signingCertificateV2().getAttrType(), profile.signingCertificateV2());
        // The default generator adds contentType, messageDigest and CMSAlgorithmProtection.
        return new DefaultSignedAttributeTableGenerator(new AttributeTable(fixed));
    }
}
