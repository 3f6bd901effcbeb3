package org.smimed.daemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smimed.daemon.testing.TestDeployment.RSA;

import com.google.protobuf.ByteString;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.EnvelopedData;
import org.bouncycastle.asn1.cms.KeyTransRecipientInfo;
import org.bouncycastle.asn1.cms.RecipientInfo;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAESOAEPparams;
import org.bouncycastle.asn1.smime.SMIMEAttributes;
import org.bouncycastle.asn1.smime.SMIMECapability;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.DirectoryServiceGrpc;
import org.smimed.api.v1.GetIdentityRequest;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.client.mime.EncryptedMessageReader;
import org.smimed.daemon.testing.TestDeployment;

/**
 * A daemon configured to decrypt only AES-256-CBC (and Triple DES, for archived mail) invites
 * only AES-256-CBC (and, for an RSA identity, RSAES-OAEP before PKCS#1 v1.5): in the
 * directory, in the SMIMECapabilities of its signatures, and so in
 * what {@code smime encrypt --recipient-identity} chooses — which it then decrypts. It used to
 * announce AES-GCM first whatever it was configured to decrypt, inviting mail it refuses.
 */
class AnnouncedCapabilitiesIT {
    private static final String AES256_CBC = "2.16.840.1.101.3.4.1.42";
    private static final String RSAES_OAEP = "1.2.840.113549.1.1.7";
    private static final String RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
    private static final byte[] MAIL = ("From: " + RSA + "\nTo: " + RSA + "\nSubject: cbc\n"
            + "Content-Type: text/plain; charset=us-ascii\n\nOnly CBC here.\n")
            .getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path dir;
    private static TestDeployment deployment;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir, List.of(),
                "decryption: {contentAlgorithms: [aes256-cbc, des-ede3-cbc]}");
    }

    @AfterAll
    static void stop() throws Exception {
        deployment.close();
    }

    @Test
    void directory_announcesOnlyWhatIsConfigured_neverTripleDes() {
        byte[] announced = DirectoryServiceGrpc.newBlockingStub(deployment.channel())
                .getIdentity(GetIdentityRequest.newBuilder().setIdentity(RSA).build())
                .getSmimeCapabilities().toByteArray();

        // An RSA identity invites OAEP (SHA-256) before PKCS#1 v1.5 (RFC 3560 section 5);
        // an EC one is reached by key agreement, which is not announced.
        ASN1Sequence capabilities = ASN1Sequence.getInstance(announced);
        assertThat(algorithms(capabilities)).containsExactly(AES256_CBC, RSAES_OAEP,
                RSA_ENCRYPTION);
        RSAESOAEPparams oaep = RSAESOAEPparams.getInstance(SMIMECapability.getInstance(
                capabilities.getObjectAt(1)).getParameters());
        assertThat(oaep.getHashAlgorithm().getAlgorithm())
                .isEqualTo(NISTObjectIdentifiers.id_sha256);
        assertThat(AlgorithmIdentifier.getInstance(oaep.getMaskGenAlgorithm().getParameters())
                .getAlgorithm()).isEqualTo(NISTObjectIdentifiers.id_sha256);
        assertThat(oaep.getPSourceAlgorithm())
                .isEqualTo(RSAESOAEPparams.DEFAULT_P_SOURCE_ALGORITHM);
        assertThat(algorithms(ASN1Sequence.getInstance(DirectoryServiceGrpc.newBlockingStub(
                deployment.channel()).getIdentity(GetIdentityRequest.newBuilder()
                        .setIdentity(TestDeployment.EC).build())
                .getSmimeCapabilities().toByteArray()))).containsExactly(AES256_CBC);
    }

    @Test
    void signatures_announceOnlyWhatIsConfigured() throws Exception {
        byte[] content = "Content-Type: text/plain\r\n\r\nhi\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] signed = SigningServiceGrpc.newBlockingStub(deployment.channel())
                .sign(SignRequest.newBuilder().setIdentity(RSA)
                        .setContent(ByteString.copyFrom(content)).build())
                .getSignedData().toByteArray();

        SignerInformation signer = new CMSSignedData(signed).getSignerInfos().getSigners()
                .iterator().next();
        ASN1Sequence capabilities = ASN1Sequence.getInstance(signer.getSignedAttributes()
                .get(SMIMEAttributes.smimeCapabilities).getAttrValues().getObjectAt(0));
        assertThat(algorithms(capabilities)).containsExactly(AES256_CBC, RSAES_OAEP,
                RSA_ENCRYPTION);
    }

    @Test
    void smimeEncryptToTheIdentity_choosesWhatTheDaemonDecrypts() throws Exception {
        CliRunner.Run encrypted = CliRunner.run(MAIL, daemonCommand("encrypt",
                "--recipient-identity", RSA));
        assertThat(encrypted.exit()).as(encrypted.stderr()).isZero();
        byte[] cms = EncryptedMessageReader.cmsStream(new ByteArrayInputStream(
                encrypted.stdout())).readAllBytes();
        EnvelopedData envelope = EnvelopedData.getInstance(ContentInfo.getInstance(cms)
                .getContent());
        assertThat(envelope.getEncryptedContentInfo().getContentEncryptionAlgorithm()
                .getAlgorithm().getId()).isEqualTo(AES256_CBC);
        // And the key transport the identity announces first: OAEP with SHA-256.
        AlgorithmIdentifier transport = KeyTransRecipientInfo.getInstance(RecipientInfo
                .getInstance(envelope.getRecipientInfos().getObjectAt(0)).getInfo())
                .getKeyEncryptionAlgorithm();
        assertThat(transport.getAlgorithm().getId()).isEqualTo(RSAES_OAEP);
        assertThat(RSAESOAEPparams.getInstance(transport.getParameters()).getHashAlgorithm()
                .getAlgorithm()).isEqualTo(NISTObjectIdentifiers.id_sha256);

        Path in = Files.write(dir.resolve("encrypted.eml"), encrypted.stdout());
        Path out = dir.resolve("decrypted.txt");
        CliRunner.Run decrypted = CliRunner.run(new byte[0], daemonCommand("decrypt",
                "--in", in.toString(), "--out", out.toString()));
        assertThat(decrypted.exit()).as(decrypted.stderr()).isZero();
        assertThat(Files.readString(out, StandardCharsets.US_ASCII))
                .isEqualTo("Content-Type: text/plain; charset=us-ascii\r\n\r\nOnly CBC here.\r\n");
    }

    /** Archived Triple DES mail decrypts, configured so, and smime says what it was. */
    @Test
    void tripleDesMail_decryptsWithAWarningNamingTheLegacyCipher() throws Exception {
        Path plain = Files.write(dir.resolve("archived.txt"), ("Content-Type: text/plain\r\n"
                + "\r\nFrom the archive.\r\n").getBytes(StandardCharsets.US_ASCII));
        Path in = dir.resolve("archived.eml");
        org.smimed.daemon.testing.Processes.check(List.of("openssl", "cms", "-encrypt",
                "-des3", "-in", plain.toString(), "-out", in.toString(),
                deployment.certificate(RSA).toString()), dir);
        Path out = dir.resolve("archived-decrypted.txt");

        CliRunner.Run decrypted = CliRunner.run(new byte[0], daemonCommand("decrypt",
                "--in", in.toString(), "--out", out.toString()));
        CliRunner.Run opened = CliRunner.run(new byte[0], daemonCommand("open",
                "--in", in.toString(), "--out", dir.resolve("opened.txt").toString(),
                "--trust", deployment.caCertificate().toString()));

        assertThat(decrypted.exit()).as(decrypted.stderr()).isZero();
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(plain));
        assertThat(decrypted.stderr()).isEqualTo("smime: warning: the message was encrypted"
                + " with DES-EDE3-CBC (legacy), which offers no integrity and only 112-bit"
                + " security; the daemon decrypts it only because its configuration allows"
                + " it\n");
        assertThat(opened.stderr()).contains("layer 1: encrypted (DES-EDE3-CBC (legacy))");
    }

    private static List<String> algorithms(ASN1Sequence capabilities) {
        return java.util.stream.StreamSupport.stream(capabilities.spliterator(), false)
                .map(c -> SMIMECapability.getInstance(c).getCapabilityID().getId()).toList();
    }

    private static String[] daemonCommand(String command, String... args) {
        return CliRunner.against(deployment.daemon().port(), deployment.caCertificate(),
                deployment.clientCertificate(), deployment.clientKey(), command, args);
    }
}
