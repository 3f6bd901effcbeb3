package org.smimed.daemon.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntPredicate;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.AuthEnvelopedData;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.EnvelopedData;
import org.bouncycastle.asn1.cms.KeyAgreeRecipientInfo;
import org.bouncycastle.asn1.cms.OriginatorIdentifierOrKey;
import org.bouncycastle.asn1.cms.OriginatorInfo;
import org.bouncycastle.asn1.cms.OriginatorPublicKey;
import org.bouncycastle.asn1.cms.KeyTransRecipientInfo;
import org.bouncycastle.asn1.cms.RecipientEncryptedKey;
import org.bouncycastle.asn1.cms.RecipientInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.FuzzKeys;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.token.TokenMeter;

/**
 * Mail naming several keys of one daemon, one entry damaged, still opens with the intact one.
 * An RSA recipient never fails at the key (implicit rejection gives a damaged one a substitute
 * key), so recipients that fail loudly (key agreement) are tried first, and a whole message
 * held in memory tries the next entry when the content fails (trials: a damaged entry first
 * failed the whole message). A damaged key agreement fails at the key, never decrypting to
 * noise.
 */
class RecipientOrderSoftHsmTest {
    @TempDir
    static Path dir;
    static FuzzKeys.Fixture fixture;
    static CmsDecryptor decryptor;
    /**
     * Content whose tag fails whenever the key is wrong: a damaged RSA entry's substitute key
     * ends in valid CBC padding once in 256 messages (README), which would make these tests
     * fail at random (a review).
     */
    private static final String GCM = "-aes-256-gcm";

    @BeforeAll
    static void token() throws Exception {
        fixture = FuzzKeys.create(dir);
        decryptor = new CmsDecryptor(fixture.token().provider(), new BouncyCastleProvider(),
                new SecureRandom(), ContentCipher.defaults(), MessageLimits.DEFAULTS,
                TokenMeter.none());
        Files.writeString(dir.resolve("plain.txt"), FuzzKeys.PLAINTEXT);
        Files.write(dir.resolve("rsa.pem"), FuzzKeys.resource("rsa.crt"));
        Files.write(dir.resolve("ec.pem"), FuzzKeys.resource("ec.crt"));
    }

    @Test
    void aDamagedPkcs1RecipientBeforeAnIntactEcOne_stillOpensTheMessage() throws Exception {
        byte[] damaged = transportsDamaged(encrypt("-aes256", "rsa.pem", "ec.pem"), i -> true);

        assertOpensWith(damaged, FuzzKeys.EC);
    }

    /** The key agreement fails at its key unwrap, so the RSA entry after it gets its turn. */
    @Test
    void aDamagedEcRecipientBeforeAnIntactRsaOne_stillOpensTheMessage() throws Exception {
        byte[] damaged = agreementDamaged(encrypt("-aes256", "ec.pem", "rsa.pem"));

        assertOpensWith(damaged, FuzzKeys.RSA);
    }

    /** Only the content shows the first entry was damaged: the second is tried then. */
    @Test
    void theSameRsaKeyTwice_theFirstEntryDamaged_opensWithTheSecond() throws Exception {
        byte[] damaged = transportsDamaged(encrypt(GCM, "rsa.pem", "rsa.pem"), i -> i == 0);

        assertOpensWith(damaged, FuzzKeys.RSA);
    }

    /** Each try reads the whole content: a message pays for at most eight. */
    @Test
    void theContentIsTriedAtMostEightTimes() throws Exception {
        String[] nine = Collections.nCopies(9, "rsa.pem").toArray(String[]::new);
        byte[] eighthIntact = transportsDamaged(encrypt(GCM, nine), i -> i < 7);
        byte[] ninthIntact = transportsDamaged(encrypt(GCM, nine), i -> i < 8);

        assertThat(decryptor.decrypt(eighthIntact, fixture.keys().decryptionKeys()).plaintext())
                .asString(StandardCharsets.US_ASCII).isEqualTo(FuzzKeys.PLAINTEXT);
        assertThatThrownBy(() -> decryptor.decrypt(ninthIntact,
                fixture.keys().decryptionKeys()))
                .isInstanceOf(DecryptionFailedException.class)
                .hasMessage(DecryptionFailedException.MESSAGE);
    }

    /**
     * A damaged key agreement never reaches the content, so wrong mail never "decrypts" to
     * noise (it did once in 256 CBC messages when it went on with a random key).
     */
    @Test
    void aDamagedKeyAgreementAlone_failsAtItsKey() throws Exception {
        byte[] damaged = agreementDamaged(encrypt("-aes256", "ec.pem"));

        assertThatThrownBy(() -> decryptor.decrypt(damaged, fixture.keys().decryptionKeys()))
                .isInstanceOf(DecryptionFailedException.class)
                .hasMessage(DecryptionFailedException.MESSAGE)
                .extracting(e -> ((DecryptionFailedException) e).detail()).asString()
                .contains("key unwrap failed");
    }

    /**
     * RFC 5480 section 2.2 allows compressed and uncompressed points only; the hybrid form
     * (06/07 and both coordinates) decrypted (a hostile-input trial).
     */
    @Test
    void anOriginatorPointInHybridForm_isRefused() throws Exception {
        byte[] der = encrypt("-aes256", "ec.pem");
        EnvelopedData envelope = EnvelopedData.getInstance(ContentInfo.getInstance(der)
                .getContent());
        KeyAgreeRecipientInfo kari = (KeyAgreeRecipientInfo) RecipientInfo.getInstance(
                envelope.getRecipientInfos().getObjectAt(0)).getInfo();
        OriginatorPublicKey originator = kari.getOriginator().getOriginatorKey();
        byte[] point = originator.getPublicKey().getBytes();
        point[0] = (byte) (6 | point[point.length - 1] & 1);
        RecipientInfo hybrid = new RecipientInfo(new KeyAgreeRecipientInfo(
                new OriginatorIdentifierOrKey(new OriginatorPublicKey(
                        originator.getAlgorithm(), point)),
                kari.getUserKeyingMaterial(), kari.getKeyEncryptionAlgorithm(),
                kari.getRecipientEncryptedKeys()));
        byte[] message = new ContentInfo(CMSObjectIdentifiers.envelopedData, new EnvelopedData(
                (OriginatorInfo) null, new DERSet(hybrid), envelope.getEncryptedContentInfo(),
                (ASN1Set) null))
                .getEncoded("DER");

        assertThatThrownBy(() -> decryptor.decrypt(message, fixture.keys().decryptionKeys()))
                .isInstanceOf(DecryptionFailedException.class)
                .extracting(e -> ((DecryptionFailedException) e).detail()).asString()
                .contains("neither a compressed nor an uncompressed point");
    }

    /** {@code message} decrypts to the plain text, with {@code identity}'s key. */
    private static void assertOpensWith(byte[] message, String identity) throws Exception {
        DecryptedMessage opened = decryptor.decrypt(message, fixture.keys().decryptionKeys());

        assertThat(new String(opened.plaintext(), StandardCharsets.US_ASCII))
                .isEqualTo(FuzzKeys.PLAINTEXT);
        assertThat(opened.key().identity()).isEqualTo(identity);
    }

    /** OpenSSL's envelope of the plain text with {@code cipher} to {@code recipients}. */
    private static byte[] encrypt(String cipher, String... recipients) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl", "cms", "-encrypt", "-binary",
                cipher, "-in", "plain.txt", "-outform", "DER", "-out", "out.der"));
        for (String recipient : recipients) {
            command.addAll(List.of("-recip", recipient));
        }
        Processes.check(command, dir);
        return Files.readAllBytes(dir.resolve("out.der"));
    }

    /**
     * {@code der} with one bit flipped in the encrypted key of each key-transport recipient
     * {@code which} (counting those alone, in the message's order).
     */
    private static byte[] transportsDamaged(byte[] der, IntPredicate which) throws Exception {
        return damaged(der, which, false);
    }

    /** {@code der} with one bit flipped in its key agreement's encrypted key. */
    private static byte[] agreementDamaged(byte[] der) throws Exception {
        return damaged(der, i -> false, true);
    }

    private static byte[] damaged(byte[] der, IntPredicate transports, boolean agreements)
            throws Exception {
        ContentInfo outer = ContentInfo.getInstance(der);
        boolean authenticated = outer.getContentType().equals(
                CMSObjectIdentifiers.authEnvelopedData);
        ASN1Set recipients = authenticated
                ? AuthEnvelopedData.getInstance(outer.getContent()).getRecipientInfos()
                : EnvelopedData.getInstance(outer.getContent()).getRecipientInfos();
        ASN1EncodableVector infos = new ASN1EncodableVector();
        int transport = 0;
        for (int i = 0; i < recipients.size(); i++) {
            RecipientInfo info = RecipientInfo.getInstance(recipients.getObjectAt(i));
            if (info.getInfo() instanceof KeyTransRecipientInfo ktri
                    && transports.test(transport++)) {
                info = new RecipientInfo(new KeyTransRecipientInfo(ktri.getRecipientIdentifier(),
                        ktri.getKeyEncryptionAlgorithm(), flipped(ktri.getEncryptedKey())));
            } else if (agreements && info.getInfo() instanceof KeyAgreeRecipientInfo kari) {
                RecipientEncryptedKey only = RecipientEncryptedKey.getInstance(
                        kari.getRecipientEncryptedKeys().getObjectAt(0));
                info = new RecipientInfo(new KeyAgreeRecipientInfo(kari.getOriginator(),
                        kari.getUserKeyingMaterial(), kari.getKeyEncryptionAlgorithm(),
                        new DERSequence(new RecipientEncryptedKey(only.getIdentifier(),
                                flipped(only.getEncryptedKey())))));
            }
            infos.add(info);
        }
        if (authenticated) {
            AuthEnvelopedData envelope = AuthEnvelopedData.getInstance(outer.getContent());
            return new ContentInfo(outer.getContentType(), new AuthEnvelopedData(
                    envelope.getOriginatorInfo(), new DERSet(infos),
                    envelope.getAuthEncryptedContentInfo(), envelope.getAuthAttrs(),
                    envelope.getMac(), envelope.getUnauthAttrs())).getEncoded("DER");
        }
        EnvelopedData envelope = EnvelopedData.getInstance(outer.getContent());
        return new ContentInfo(outer.getContentType(), new EnvelopedData(
                envelope.getOriginatorInfo(), new DERSet(infos),
                envelope.getEncryptedContentInfo(), envelope.getUnprotectedAttrs()))
                .getEncoded("DER");
    }

    private static ASN1OctetString flipped(ASN1OctetString key) {
        byte[] bytes = key.getOctets();
        bytes[bytes.length / 2] ^= 0x01;
        return new DEROctetString(bytes);
    }
}
