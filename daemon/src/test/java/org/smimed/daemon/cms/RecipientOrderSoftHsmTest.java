package org.smimed.daemon.cms;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.EnvelopedData;
import org.bouncycastle.asn1.cms.KeyTransRecipientInfo;
import org.bouncycastle.asn1.cms.RecipientInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.FuzzKeys;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.token.TokenMeter;

/**
 * Mail to two identities of one daemon, RSA (PKCS#1 v1.5) first and EC second, whose RSA
 * encrypted key is damaged: implicit rejection gives the RSA recipient a substitute key that
 * never fails there, so trying it first failed the whole message although the EC recipient was
 * intact (an interop trial). Recipients that fail loudly are tried first.
 */
class RecipientOrderSoftHsmTest {
    @TempDir
    static Path dir;
    static FuzzKeys.Fixture fixture;

    @BeforeAll
    static void token() throws Exception {
        fixture = FuzzKeys.create(dir);
    }

    @Test
    void aDamagedPkcs1RecipientBeforeAnIntactEcOne_stillOpensTheMessage() throws Exception {
        Path plain = Files.writeString(dir.resolve("plain.txt"), FuzzKeys.PLAINTEXT);
        Files.write(dir.resolve("rsa.pem"), FuzzKeys.resource("rsa.crt"));
        Files.write(dir.resolve("ec.pem"), FuzzKeys.resource("ec.crt"));
        Processes.check(List.of("openssl", "cms", "-encrypt", "-binary", "-aes256", "-in",
                plain.toString(), "-outform", "DER", "-out", "both.der", "-recip",
                dir.resolve("rsa.pem").toString(), "-recip", dir.resolve("ec.pem").toString()),
                dir);
        byte[] damaged = withRsaKeyFlipped(Files.readAllBytes(dir.resolve("both.der")));
        CmsDecryptor decryptor = new CmsDecryptor(fixture.token().provider(),
                new BouncyCastleProvider(), new SecureRandom(), ContentCipher.defaults(),
                MessageLimits.DEFAULTS, TokenMeter.none());

        DecryptedMessage opened = decryptor.decrypt(damaged, fixture.keys().decryptionKeys());

        assertThat(new String(opened.plaintext(), StandardCharsets.US_ASCII))
                .isEqualTo(FuzzKeys.PLAINTEXT);
        assertThat(opened.key().identity()).isEqualTo(FuzzKeys.EC);
    }

    /** {@code der} with one bit of its first (key transport) recipient's key flipped. */
    private static byte[] withRsaKeyFlipped(byte[] der) throws Exception {
        EnvelopedData envelope = EnvelopedData.getInstance(ContentInfo.getInstance(der)
                .getContent());
        ASN1EncodableVector infos = new ASN1EncodableVector();
        for (int i = 0; i < envelope.getRecipientInfos().size(); i++) {
            RecipientInfo info = RecipientInfo.getInstance(
                    envelope.getRecipientInfos().getObjectAt(i));
            if (info.getInfo() instanceof KeyTransRecipientInfo ktri) {
                byte[] key = ktri.getEncryptedKey().getOctets();
                key[key.length / 2] ^= 0x01;
                ASN1OctetString flipped = new DEROctetString(key);
                info = new RecipientInfo(new KeyTransRecipientInfo(ktri.getRecipientIdentifier(),
                        ktri.getKeyEncryptionAlgorithm(), flipped));
            }
            infos.add(info);
        }
        return new ContentInfo(CMSObjectIdentifiers.envelopedData, new EnvelopedData(
                envelope.getOriginatorInfo(), new DERSet(infos),
                envelope.getEncryptedContentInfo(), envelope.getUnprotectedAttrs()))
                .getEncoded("DER");
    }
}
