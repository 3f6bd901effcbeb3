package org.smimed.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.KeyAgreeRecipientInfo;
import org.bouncycastle.asn1.cms.KeyTransRecipientInfo;
import org.bouncycastle.asn1.cms.RecipientEncryptedKey;
import org.bouncycastle.asn1.cms.RecipientInfo;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Every way a ciphertext can be wrong — bad PKCS#1 v1.5 or OAEP padding, the wrong key, a
 * tampered CBC or GCM body, a tampered ECDH wrapped key or ephemeral key — gets one identical
 * answer: INVALID_ARGUMENT "decryption failed". Nothing tells an attacker which step failed.
 */
class DecryptionMaskingIT {
    private static final byte[] PLAINTEXT = "Content-Type: text/plain\r\n\r\nsecret\r\n"
            .repeat(50).getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path dir;
    private static TestDeployment deployment;
    private static InteropPeers peers;
    private static Senders senders;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir);
        Path peerDir = Files.createDirectories(dir.resolve("peers"));
        peers = InteropPeers.create(peerDir, deployment.caCertificate(), List.of());
        senders = new Senders(peers, peerDir);
    }

    @AfterAll
    static void stop() throws Exception {
        peers.close();
        deployment.close();
    }

    @Test
    void everyBrokenCiphertext_getsTheSameStatusAndMessage() throws Exception {
        Path rsa = deployment.certificate(TestDeployment.RSA);
        Path ec = deployment.certificate(TestDeployment.EC);
        List<String> oaep = List.of("rsa_padding_mode:oaep", "rsa_oaep_md:sha256");
        byte[] v15Cbc = senders.openssl(PLAINTEXT, "aes-256-cbc", List.of(), false, rsa);
        byte[] v15Gcm = senders.openssl(PLAINTEXT, "aes-256-gcm", List.of(), false, rsa);
        byte[] oaepGcm = senders.openssl(PLAINTEXT, "aes-128-gcm", oaep, false, rsa);
        byte[] ecdhGcm = senders.openssl(PLAINTEXT, "aes-256-gcm",
                List.of("ecdh_kdf_md:sha256"), false, ec);
        byte[] ecdhCbc = senders.openssl(PLAINTEXT, "aes-128-cbc", List.of(), false, ec);
        Map<String, byte[]> broken = new LinkedHashMap<>();
        broken.put("v1.5 wrong padding, GCM", flipInside(v15Gcm, transportedKey(v15Gcm)));
        broken.put("OAEP wrong padding", flipInside(oaepGcm, transportedKey(oaepGcm)));
        broken.put("OAEP ciphertext from a v1.5 message", relabelAsOaep(v15Cbc));
        broken.put("wrong key", senders.openssl(PLAINTEXT, "aes-256-cbc", List.of(), false,
                stranger()));
        broken.put("tampered CBC", flipAt(v15Cbc, v15Cbc.length - 20));
        broken.put("tampered GCM body", flipAt(v15Gcm, v15Gcm.length - 40));
        broken.put("tampered GCM tag", flipAt(v15Gcm, v15Gcm.length - 3));
        broken.put("tampered ECDH wrapped key", flipInside(ecdhGcm, wrappedKey(ecdhGcm)));
        broken.put("tampered ECDH ephemeral key", flipInside(ecdhCbc, ephemeralKey(ecdhCbc)));
        broken.put("tampered ECDH CBC", flipAt(ecdhCbc, ecdhCbc.length - 20));
        broken.put("truncated", java.util.Arrays.copyOf(v15Gcm, v15Gcm.length / 2));
        broken.put("OAEP to an unknown key", Senders.bouncyCastle(PLAINTEXT,
                CMSAlgorithm.AES256_GCM, List.of(Senders.bcRsa(stranger(), "SHA-256",
                        new byte[0]))));

        for (Map.Entry<String, byte[]> message : broken.entrySet()) {
            assertThatThrownBy(() -> DecryptCall.decrypt(deployment.channel(), null,
                    message.getValue(), 4096))
                    .as(message.getKey())
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).as(message.getKey())
                                .isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).as(message.getKey())
                                .isEqualTo("decryption failed");
                    });
        }
        // PKCS#1 v1.5 with CBC: a bad padding goes on with a random key (RFC 3218, implicit
        // rejection), and random CBC output ends in valid padding about once in 256 runs:
        // then garbage "decrypts", as it does in OpenSSL. Never the plaintext, never another
        // status (GCM above fails always: its tag).
        try {
            assertThat(DecryptCall.decrypt(deployment.channel(), null,
                    flipInside(v15Cbc, transportedKey(v15Cbc)), 4096).plaintext())
                    .isNotEqualTo(PLAINTEXT);
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).isEqualTo("decryption failed");
        }
        // The originals decrypt, so each failure above came from the one change made.
        for (byte[] good : List.of(v15Cbc, v15Gcm, oaepGcm, ecdhGcm, ecdhCbc)) {
            assertThat(DecryptCall.decrypt(deployment.channel(), null, good, 4096).plaintext())
                    .isEqualTo(PLAINTEXT);
        }
    }

    private static RecipientInfo firstRecipient(byte[] message) {
        ContentInfo info = ContentInfo.getInstance(message);
        // EnvelopedData and AuthEnvelopedData both have recipientInfos as the 2nd/3rd field;
        // the ASN.1 classes differ, so look inside whichever it is.
        var sequence = org.bouncycastle.asn1.ASN1Sequence.getInstance(info.getContent());
        for (var element : sequence) {
            if (element instanceof org.bouncycastle.asn1.ASN1Set set) {
                return RecipientInfo.getInstance(set.getObjectAt(0));
            }
        }
        throw new IllegalStateException("no recipientInfos");
    }

    private static byte[] transportedKey(byte[] message) {
        return KeyTransRecipientInfo.getInstance(firstRecipient(message).getInfo())
                .getEncryptedKey().getOctets();
    }

    private static byte[] wrappedKey(byte[] message) {
        KeyAgreeRecipientInfo kari = KeyAgreeRecipientInfo.getInstance(
                firstRecipient(message).getInfo());
        return RecipientEncryptedKey.getInstance(kari.getRecipientEncryptedKeys().getObjectAt(0))
                .getEncryptedKey().getOctets();
    }

    private static byte[] ephemeralKey(byte[] message) {
        KeyAgreeRecipientInfo kari = KeyAgreeRecipientInfo.getInstance(
                firstRecipient(message).getInfo());
        return kari.getOriginator().getOriginatorKey().getPublicKey().getBytes();
    }

    /** The rsaEncryption OID replaced by id-RSAES-OAEP (same length): a v1.5 block read as OAEP. */
    private static byte[] relabelAsOaep(byte[] message) {
        byte[] rsaEncryption = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
            0x01, 0x01};
        int at = indexOf(message, rsaEncryption);
        byte[] copy = message.clone();
        copy[at + 8] = 0x07;
        return copy;
    }

    private static byte[] flipInside(byte[] message, byte[] part) {
        return flipAt(message, indexOf(message, part) + part.length / 2);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.areEqual(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new IllegalStateException("part not found");
    }

    private static byte[] flipAt(byte[] message, int index) {
        byte[] copy = message.clone();
        copy[index] ^= 0x55;
        return copy;
    }

    private static Path stranger() throws Exception {
        Path work = dir.resolve("stranger");
        if (Files.exists(work.resolve("cert.pem"))) {
            return work.resolve("cert.pem");
        }
        Files.createDirectories(work);
        Processes.check(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj",
                "/CN=stranger@example.org"), work);
        return work.resolve("cert.pem");
    }
}
