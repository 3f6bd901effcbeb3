package org.smimed.daemon.interop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSAuthEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.RecipientInfoGenerator;
import org.bouncycastle.cms.SimpleAttributeTableGenerator;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyAgreeRecipientInfoGenerator;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientInfoGenerator;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaAlgorithmParametersConverter;
import org.smimed.daemon.testing.Processes;

/** Encrypts messages with the independent implementations, as a sender would. */
final class Senders {
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private final InteropPeers peers;
    private final Path dir;

    Senders(InteropPeers peers, Path dir) {
        this.peers = peers;
        this.dir = dir;
    }

    /**
     * {@code openssl cms -encrypt} to {@code recipients}, each followed by {@code keyopts}
     * (e.g. {@code rsa_padding_mode:oaep}); {@code stream} makes BER indefinite-length output.
     */
    byte[] openssl(byte[] plaintext, String cipher, List<String> keyopts, boolean stream,
                   Path... recipients) throws Exception {
        Path work = Files.createTempDirectory(dir, "openssl");
        Path in = Files.write(work.resolve("plain"), plaintext);
        Path out = work.resolve("message.der");
        List<String> args = new ArrayList<>(List.of("cms", "-encrypt", "-binary", "-" + cipher,
                "-in", in.toString(), "-outform", "DER", "-out", out.toString(),
                stream ? "-stream" : "-noindef"));
        for (Path recipient : recipients) {
            args.addAll(List.of("-recip", recipient.toString()));
            for (String keyopt : keyopts) {
                args.addAll(List.of("-keyopt", keyopt));
            }
        }
        Processes.Result r = peers.openssl(args);
        if (r.exitCode() != 0) {
            throw new IllegalStateException("openssl " + args + ": " + r.stderr());
        }
        return Files.readAllBytes(out);
    }

    /** NSS {@code cmsutil -E} to the certificate of {@code email} (in the NSS database). */
    byte[] nss(byte[] plaintext, String email) throws Exception {
        Path work = Files.createTempDirectory(dir, "nss");
        Path in = Files.write(work.resolve("plain"), plaintext);
        Path out = work.resolve("message.der");
        Processes.Result r = peers.cmsutil(List.of("-E", "-r", email, "-i", in.toString(),
                "-o", out.toString()));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("cmsutil: " + r.stderr() + r.stdout());
        }
        return Files.readAllBytes(out);
    }

    /** {@code gpgsm --encrypt} to {@code email} with {@code cipher} (e.g. AES256). */
    byte[] gpgsm(byte[] plaintext, String email, String cipher) throws Exception {
        Path work = Files.createTempDirectory(dir, "gpgsm");
        Path in = Files.write(work.resolve("plain"), plaintext);
        Path out = work.resolve("message.der");
        Processes.Result r = peers.gpgsm(List.of("--cipher-algo", cipher, "--encrypt", "-r",
                email, "--output", out.toString(), in.toString()));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("gpgsm: " + r.stderr());
        }
        return Files.readAllBytes(out);
    }

    /** Bouncy Castle: EnvelopedData or AuthEnvelopedData with {@code content} to recipients. */
    static byte[] bouncyCastle(byte[] plaintext, ASN1ObjectIdentifier content,
                               List<RecipientInfoGenerator> recipients) throws Exception {
        var encryptor = new JceCMSContentEncryptorBuilder(content).setProvider(BC).build();
        boolean aead = content.equals(CMSAlgorithm.ChaCha20Poly1305)
                || content.equals(CMSAlgorithm.AES128_GCM)
                || content.equals(CMSAlgorithm.AES256_GCM);
        if (aead) {
            CMSAuthEnvelopedDataGenerator generator = new CMSAuthEnvelopedDataGenerator();
            recipients.forEach(generator::addRecipientInfoGenerator);
            return generator.generate(new CMSProcessableByteArray(plaintext),
                    (org.bouncycastle.operator.OutputAEADEncryptor) encryptor).getEncoded();
        }
        CMSEnvelopedDataGenerator generator = new CMSEnvelopedDataGenerator();
        recipients.forEach(generator::addRecipientInfoGenerator);
        return generator.generate(new CMSProcessableByteArray(plaintext), encryptor).getEncoded();
    }

    /**
     * Bouncy Castle: AuthEnvelopedData ({@code cipher}: AES-GCM or ChaCha20-Poly1305) with
     * authenticated attributes, which the tag covers and which a streamed message carries
     * after the encrypted content.
     */
    static byte[] bouncyCastleWithAuthAttributes(byte[] plaintext, ASN1ObjectIdentifier cipher,
                                                 AttributeTable attributes,
                                                 RecipientInfoGenerator recipient)
            throws Exception {
        var encryptor = new JceCMSContentEncryptorBuilder(cipher).setProvider(BC).build();
        CMSAuthEnvelopedDataGenerator generator = new CMSAuthEnvelopedDataGenerator();
        generator.addRecipientInfoGenerator(recipient);
        generator.setAuthenticatedAttributeGenerator(new SimpleAttributeTableGenerator(attributes));
        return generator.generate(new CMSProcessableByteArray(plaintext),
                (org.bouncycastle.operator.OutputAEADEncryptor) encryptor).getEncoded();
    }

    /** A Bouncy Castle RSA recipient: PKCS#1 v1.5 when {@code oaepHash} is null, else OAEP. */
    static RecipientInfoGenerator bcRsa(Path certificate, String oaepHash, byte[] label)
            throws Exception {
        X509Certificate cert = read(certificate);
        if (oaepHash == null) {
            return new JceKeyTransRecipientInfoGenerator(cert).setProvider(BC);
        }
        OAEPParameterSpec spec = new OAEPParameterSpec(oaepHash, "MGF1",
                new MGF1ParameterSpec(oaepHash), new PSource.PSpecified(label));
        return new JceKeyTransRecipientInfoGenerator(cert, new JcaAlgorithmParametersConverter()
                .getAlgorithmIdentifier(PKCSObjectIdentifiers.id_RSAES_OAEP, spec))
                .setProvider(BC);
    }

    /** A Bouncy Castle ECDH ephemeral-static recipient with {@code agreement} and AES-256 wrap. */
    static RecipientInfoGenerator bcEc(Path certificate, ASN1ObjectIdentifier agreement)
            throws Exception {
        X509Certificate cert = read(certificate);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", BC);
        generator.initialize(((java.security.interfaces.ECPublicKey) cert.getPublicKey())
                .getParams());
        var ephemeral = generator.generateKeyPair();
        return new JceKeyAgreeRecipientInfoGenerator(agreement, ephemeral.getPrivate(),
                ephemeral.getPublic(), CMSAlgorithm.AES256_WRAP).addRecipient(cert)
                .setProvider(BC);
    }

    static X509Certificate read(Path certificate) throws Exception {
        try (var in = Files.newInputStream(certificate)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
        }
    }
}
