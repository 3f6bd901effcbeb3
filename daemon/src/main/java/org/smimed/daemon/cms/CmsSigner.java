package org.smimed.daemon.cms;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Clock;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.DefaultCMSSignatureEncryptionAlgorithmFinder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.smimed.daemon.keys.KeyVersion;
import org.smimed.daemon.token.EdDsaContentSigner;
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
 * CMSAlgorithmProtection (RFC 6211), SMIMECapabilities and signingCertificateV2 (RFC 5035),
 * and SMIMEEncryptionKeyPreference when the identity has a key to encrypt to (RFC 8551 2.5).
 */
public final class CmsSigner {
    private final Provider tokenProvider;
    private final Provider softwareProvider;
    private final Clock clock;
    private final TokenMeter meter;
    private final SmimeCapabilities capabilities;
    private final Map<Pairing, SignerProfile> profiles = new ConcurrentHashMap<>();
    private final Map<Method, Algorithms> algorithms = new ConcurrentHashMap<>();

    /**
     * @param tokenProvider the token's provider, which performs the signature
     * @param softwareProvider hashes content (Bouncy Castle, not registered globally)
     * @param clock the source of signingTime
     */
    public CmsSigner(Provider tokenProvider, Provider softwareProvider, Clock clock) {
        this(tokenProvider, softwareProvider, clock, TokenMeter.none(),
                SmimeCapabilities.defaults());
    }

    /**
     * As above, telling {@code meter} about each signature made in the token, and announcing
     * {@code capabilities} (what this daemon is configured to decrypt) in every signature.
     */
    public CmsSigner(Provider tokenProvider, Provider softwareProvider, Clock clock,
                     TokenMeter meter, SmimeCapabilities capabilities) {
        this.meter = meter;
        this.capabilities = capabilities;
        this.tokenProvider = tokenProvider;
        this.clock = clock;
        this.softwareProvider = softwareProvider;
    }

    /** Signs as {@code key}, naming no encryption key. */
    public SignedMessage sign(KeyVersion key, SignatureRequest request)
            throws InvalidRequestException, TokenException {
        return sign(key, Optional.empty(), request);
    }

    /**
     * Signs as {@code key}; {@code encryption} is the identity's current encryption version
     * ({@code KeyRegistry.encryptionKey}: {@code key} itself for a key that does both),
     * named in SMIMEEncryptionKeyPreference.
     */
    public SignedMessage sign(KeyVersion key, Optional<KeyVersion> encryption,
                              SignatureRequest request)
            throws InvalidRequestException, TokenException {
        try {
            Prepared p = prepare(key, encryption, request);
            // The one private-key operation, in the token: CKM_EDDSA for Ed25519 keys, else
            // the token provider's JCA Signature.
            byte[] signature = key.privateKey() instanceof TokenKeyReference edwards
                    ? meter.measure(p.scheme().mechanism(), () -> edwards.sign(p.attributes()))
                    : meter.measure(p.scheme().mechanism(),
                            () -> signInToken(key, p.scheme(), p.digest(), p.attributes()));
            return new SignedMessage(assemble(p, signature, request), key, p.digest());
        } catch (OperatorCreationException | GeneralSecurityException | RuntimeException e) {
            if (TokenErrors.isUnavailable(e)) {
                throw new TokenException(TokenException.Kind.UNAVAILABLE,
                        "token failed to sign with " + key.id(), e);
            }
            throw new IllegalStateException("signing with " + key.id() + " failed", e);
        }
    }

    /**
     * The most bytes {@link #sign} returns for {@code request}: the same SignedData with a
     * signature of the longest length the key makes. Lets a batch whose answer no client would
     * accept be refused before any token time is spent on it.
     */
    public int maxSignedDataBytes(KeyVersion key, Optional<KeyVersion> encryption,
                                  SignatureRequest request) throws InvalidRequestException {
        try {
            return assemble(prepare(key, encryption, request),
                    new byte[key.algorithm().maxSignatureBytes()], request).length;
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("no signature algorithm for " + key.id(), e);
        }
    }

    /** Checks the request against the key; the key pairing's parts, encoded once. */
    private SignerProfile profile(KeyVersion key, Optional<KeyVersion> encryption,
                                  SignatureRequest request, SignatureScheme scheme,
                                  DigestAlgorithm digest) throws InvalidRequestException {
        check(key, scheme, digest);
        if (request.encapsulate() && !(request.input() instanceof SignatureRequest.Content)) {
            throw new InvalidRequestException("an encapsulated signature needs the content,"
                    + " not a digest");
        }
        return profiles.computeIfAbsent(new Pairing(key.id(), key.chain(),
                encryption.map(KeyVersion::id), encryption.map(KeyVersion::chain)),
                pairing -> SignerProfile.of(key, encryption, capabilities));
    }

    /**
     * Everything of a signature but the token's operation, after the checks: the scheme and
     * hash, the key pairing's encoded parts, the algorithm identifiers, the signed attributes.
     */
    private Prepared prepare(KeyVersion key, Optional<KeyVersion> encryption,
                             SignatureRequest request)
            throws InvalidRequestException, OperatorCreationException {
        SignatureScheme scheme = request.scheme()
                .orElse(SignatureScheme.defaultFor(key.algorithm()));
        DigestAlgorithm digest = digestFor(key, request);
        SignerProfile profile = profile(key, encryption, request, scheme, digest);
        Algorithms algorithms = algorithms(key, scheme, digest);
        return new Prepared(scheme, digest, profile, algorithms,
                SignedDataAssembler.signedAttributes(profile, clock.instant(),
                        messageDigest(request.input(), digest), algorithms.protection()));
    }

    private record Prepared(SignatureScheme scheme, DigestAlgorithm digest,
                            SignerProfile profile, Algorithms algorithms, byte[] attributes) {
    }

    private static byte[] assemble(Prepared p, byte[] signature, SignatureRequest request) {
        return SignedDataAssembler.contentInfo(p.profile(), p.algorithms().digest(),
                p.attributes(), p.algorithms().signature(), signature, request.encapsulate()
                        ? Optional.of(((SignatureRequest.Content) request.input()).bytes())
                        : Optional.empty());
    }

    /**
     * Signs the DER signed attributes with a fresh JCA Signature of the token's provider: cheap
     * to make (Bouncy Castle's signer builder around it was not), one per call because a
     * Signature is not thread-safe.
     */
    private byte[] signInToken(KeyVersion key, SignatureScheme scheme, DigestAlgorithm digest,
                               byte[] attributes) throws GeneralSecurityException {
        Signature signature;
        if (scheme == SignatureScheme.RSA_PSS) {
            // The JCA's name for PSS whose hash, MGF and salt come from the parameters.
            signature = Signature.getInstance("RSASSA-PSS", tokenProvider);
            signature.setParameter(pssParameters(digest));
        } else {
            signature = Signature.getInstance(digest.jcaSignatureName(scheme), tokenProvider);
        }
        signature.initSign(key.privateKey());
        signature.update(attributes);
        return signature.sign();
    }

    /**
     * The algorithm identifiers of a scheme and digest, found once with Bouncy Castle's own
     * signer (so they are exactly those its CMS generator writes, PSS parameters included).
     */
    private Algorithms algorithms(KeyVersion key, SignatureScheme scheme, DigestAlgorithm digest)
            throws OperatorCreationException, InvalidRequestException {
        Method method = new Method(scheme, digest);
        Algorithms known = algorithms.get(method);
        if (known != null) {
            return known;
        }
        AlgorithmIdentifier signerAlgorithm;
        try {
            signerAlgorithm = key.privateKey() instanceof TokenKeyReference edwards
                    ? new EdDsaContentSigner(edwards).getAlgorithmIdentifier()
                    : contentSigner(scheme, digest).build(key.privateKey())
                            .getAlgorithmIdentifier();
        } catch (OperatorCreationException e) {
            if (e.getCause() instanceof NoSuchAlgorithmException) {
                // SunPKCS11 offers what the token's mechanism list has: on an HSM without
                // CKM_RSA_PKCS_PSS every PSS request was INTERNAL with a stack trace (a
                // security review). The client can ask for another scheme.
                throw new InvalidRequestException("the token does not offer " + scheme
                        + " signatures with " + digest + " (" + scheme.mechanism().mechanism()
                        + "): ask for another signature_algorithm, or leave it unset for the"
                        + " default");
            }
            throw e;
        }
        Algorithms found = Algorithms.of(digest, signerAlgorithm);
        algorithms.putIfAbsent(method, found);
        return found;
    }

    /**
     * The hash that signing content as {@code key} with these preferences uses, after the
     * checks {@link #sign} makes on the scheme and hash: lets a caller that streams content
     * refuse a request before the content arrives, and hash it as it arrives.
     */
    public static DigestAlgorithm contentDigest(KeyVersion key, Optional<SignatureScheme> scheme,
                                                Optional<DigestAlgorithm> digest)
            throws InvalidRequestException {
        DigestAlgorithm chosen = digest.orElse(DigestAlgorithm.forKey(key.algorithm()));
        check(key, scheme.orElse(SignatureScheme.defaultFor(key.algorithm())), chosen);
        return chosen;
    }

    private static void check(KeyVersion key, SignatureScheme scheme, DigestAlgorithm digest)
            throws InvalidRequestException {
        if (!scheme.worksWith(key.algorithm())) {
            throw new InvalidRequestException("signature algorithm " + scheme
                    + " does not work with the " + key.algorithm() + " key of '"
                    + key.identity() + "'");
        }
        if (scheme == SignatureScheme.ED25519 && digest != DigestAlgorithm.SHA512) {
            throw new InvalidRequestException("Ed25519 signatures use SHA-512 for the message"
                    + " digest (RFC 8419), not " + digest.micalg().toUpperCase(Locale.ROOT));
        }
    }

    /** The messageDigest attribute's value: the client's digest, or the content hashed here. */
    private byte[] messageDigest(SignatureRequest.Input input, DigestAlgorithm digest) {
        if (input instanceof SignatureRequest.PrecomputedDigest d) {
            return d.value();
        }
        try {
            return MessageDigest.getInstance(digest.jcaHashName(), softwareProvider)
                    .digest(((SignatureRequest.Content) input).bytes());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has " + digest, e);
        }
    }

    /**
     * What a profile is made of: a signing version and the version it names for encryption,
     * if any, and their chains, so that a chain changed under
     * the same version name (a legacy certificate replaced on the token, a CA certificate
     * added that completes a chain) is signed with at once, as GetIdentity reports it (a
     * security review). Certificates compare by their encoding, their hashes cached.
     */
    private record Pairing(String signer, List<X509Certificate> signerChain,
                           Optional<String> encryption,
                           Optional<List<X509Certificate>> encryptionChain) {
    }

    /** A signature scheme with a hash: what the algorithm identifiers depend on. */
    private record Method(SignatureScheme scheme, DigestAlgorithm digest) {
    }

    /**
     * The DER algorithm identifiers one scheme and digest put into a SignedData, found once: the
     * digest, the SignerInfo's signatureAlgorithm (rsaEncryption for PKCS#1 v1.5, as Bouncy
     * Castle and OpenSSL write it) and the CMSAlgorithmProtection attribute naming both.
     */
    private record Algorithms(byte[] digest, byte[] signature, byte[] protection) {
        static Algorithms of(DigestAlgorithm digest, AlgorithmIdentifier signerAlgorithm) {
            AlgorithmIdentifier signature = new DefaultCMSSignatureEncryptionAlgorithmFinder()
                    .findEncryptionAlgorithm(signerAlgorithm);
            return new Algorithms(SignedDataAssembler.der(digest.identifier()),
                    SignedDataAssembler.der(signature),
                    SignedDataAssembler.algorithmProtection(digest.identifier(), signature));
        }
    }

    private JcaContentSignerBuilder contentSigner(SignatureScheme scheme, DigestAlgorithm digest) {
        String name = digest.jcaSignatureName(scheme);
        return scheme == SignatureScheme.RSA_PSS
                ? new JcaContentSignerBuilder(name, pssParameters(digest))
                        .setProvider(tokenProvider)
                : new JcaContentSignerBuilder(name).setProvider(tokenProvider);
    }

    /** RFC 4056 / RFC 8551: MGF1 with the same hash, salt length = hash length. */
    private static PSSParameterSpec pssParameters(DigestAlgorithm digest) {
        String hash = digest.jcaHashName();
        return new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), digest.length(),
                PSSParameterSpec.TRAILER_FIELD_BC);
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
        return request.digest().orElse(DigestAlgorithm.forKey(key.algorithm()));
    }
}
