package org.smimed.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.cms.CMSAlgorithm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Messages made by OpenSSL {@code cms -encrypt}, NSS {@code cmsutil -E}, GnuPG
 * {@code gpgsm --encrypt} and Bouncy Castle decrypt through the daemon, over real TLS with the
 * keys generated in SoftHSM2, to the exact bytes — for every key type the token supports.
 *
 * <p>What a sender cannot do is not in its rows: NSS and gpgsm cannot encrypt with OAEP or to
 * EC recipients, and NSS chooses the cipher itself (AES-128-CBC, AES-256-CBC for RSA-4096);
 * OpenSSL 3.0 cannot make ChaCha20-Poly1305
 * AuthEnvelopedData (Bouncy Castle can) and writes OAEP without a label (Bouncy Castle covers
 * labels and SHA-384/512). X25519 is not here yet: it needs the token enumeration work.
 */
class DecryptionInteropIT {
    private static final byte[] PLAINTEXT = ("Content-Type: text/plain; charset=utf-8\r\n\r\n"
            + "Grüße aus der Buchhaltung, Rechnung 4711\r\n").repeat(300)
            .getBytes(StandardCharsets.UTF_8);
    private static final Map<String, String> CIPHER_OIDS = Map.of(
            "aes-128-cbc", "2.16.840.1.101.3.4.1.2", "aes-192-cbc", "2.16.840.1.101.3.4.1.22",
            "aes-256-cbc", "2.16.840.1.101.3.4.1.42", "aes-128-gcm", "2.16.840.1.101.3.4.1.6",
            "aes-192-gcm", "2.16.840.1.101.3.4.1.26", "aes-256-gcm", "2.16.840.1.101.3.4.1.46",
            "des-ede3-cbc", "1.2.840.113549.3.7");
    private static final List<String> CIPHERS = List.of("aes-128-cbc", "aes-192-cbc",
            "aes-256-cbc", "aes-128-gcm", "aes-192-gcm", "aes-256-gcm");

    @TempDir
    static Path dir;
    private static TestDeployment deployment;
    private static InteropPeers peers;
    private static Senders senders;

    @BeforeAll
    static void start() throws Exception {
        deployment = TestDeployment.start(dir, InteropIdentities.EXTRA, """
                decryption:
                  contentAlgorithms: [aes128-cbc, aes192-cbc, aes256-cbc, aes128-gcm, aes192-gcm,
                                      aes256-gcm, chacha20-poly1305, des-ede3-cbc]
                """);
        List<Path> certificates = new ArrayList<>();
        for (String identity : InteropIdentities.RSA) {
            certificates.add(deployment.certificate(identity));
        }
        Path peerDir = Files.createDirectories(dir.resolve("peers"));
        peers = InteropPeers.create(peerDir, deployment.caCertificate(), certificates);
        senders = new Senders(peers, peerDir);
    }

    @AfterAll
    static void stop() throws Exception {
        peers.close();
        deployment.close();
    }

    static Stream<Arguments> openSslRsa() {
        List<Arguments> rows = new ArrayList<>();
        for (String identity : InteropIdentities.RSA) {
            for (String cipher : CIPHERS) {
                for (String padding : List.of("pkcs1", "oaep-sha1", "oaep-sha256")) {
                    // BER indefinite length (openssl -stream) for every RSA-2048 row.
                    rows.add(Arguments.of(identity, cipher, padding,
                            identity.equals(InteropIdentities.RSA_2048)));
                }
            }
        }
        rows.add(Arguments.of(InteropIdentities.RSA_2048, "aes-256-cbc", "pkcs1", false));
        // An OAEP label (pSourceFunc pSpecified), which OpenSSL 3.0 writes with rsa_oaep_label.
        rows.add(Arguments.of(InteropIdentities.RSA_2048, "aes-256-gcm", "oaep-sha256+label",
                false));
        return rows.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} stream={3}")
    @MethodSource("openSslRsa")
    void openSslRsaMessage_decryptsToExactBytes(String identity, String cipher, String padding,
                                               boolean stream) throws Exception {
        List<String> keyopts = new ArrayList<>();
        if (!padding.equals("pkcs1")) {
            String hash = padding.substring(5).replace("+label", "");
            keyopts.addAll(List.of("rsa_padding_mode:oaep", "rsa_oaep_md:" + hash,
                    "rsa_mgf1_md:" + hash));
        }
        if (padding.endsWith("+label")) {
            keyopts.add("rsa_oaep_label:736d696d6564");
        }
        byte[] message = senders.openssl(PLAINTEXT, cipher, keyopts, stream,
                deployment.certificate(identity));

        assertDecrypts(message, null, identity, CIPHER_OIDS.get(cipher), cipher.endsWith("gcm"));
    }

    static Stream<Arguments> openSslEc() {
        List<Arguments> rows = new ArrayList<>();
        for (String identity : InteropIdentities.EC) {
            for (String kdf : List.of("sha1", "sha224", "sha256", "sha384", "sha512")) {
                rows.add(Arguments.of(identity, "aes-256-gcm", kdf, false, false));
                rows.add(Arguments.of(identity, "aes-128-cbc", kdf, true, false));
            }
            rows.add(Arguments.of(identity, "aes-192-cbc", "default", false, true));
            rows.add(Arguments.of(identity, "aes-192-gcm", "sha384", true, true));
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "{0} {1} kdf={2} cofactor={3} stream={4}")
    @MethodSource("openSslEc")
    void openSslEcdhMessage_decryptsToExactBytes(String identity, String cipher, String kdf,
                                                boolean cofactor, boolean stream)
            throws Exception {
        List<String> keyopts = new ArrayList<>();
        if (!kdf.equals("default")) { // OpenSSL's default KDF hash is SHA-1
            keyopts.add("ecdh_kdf_md:" + kdf);
        }
        if (cofactor) {
            keyopts.add("ecdh_cofactor_mode:1");
        }
        byte[] message = senders.openssl(PLAINTEXT, cipher, keyopts, stream,
                deployment.certificate(identity));

        assertDecrypts(message, null, identity, CIPHER_OIDS.get(cipher), cipher.endsWith("gcm"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rsaIdentities")
    void nssMessage_decryptsToExactBytes(String identity) throws Exception {
        byte[] message = senders.nss(PLAINTEXT, identity);

        // NSS picks the cipher itself, by the recipient key's strength.
        String cipher = identity.equals(InteropIdentities.RSA_4096) ? "aes-256-cbc" : "aes-128-cbc";
        assertDecrypts(message, null, identity, CIPHER_OIDS.get(cipher), false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rsaIdentities")
    void gpgsmMessage_decryptsToExactBytes(String identity) throws Exception {
        byte[] message = senders.gpgsm(PLAINTEXT, identity, "AES256");

        assertDecrypts(message, null, identity, CIPHER_OIDS.get("aes-256-cbc"), false);
    }

    static Stream<String> rsaIdentities() {
        return InteropIdentities.RSA.stream();
    }

    static Stream<Arguments> bouncyCastleRsa() {
        List<Arguments> rows = new ArrayList<>();
        for (String identity : InteropIdentities.RSA) {
            rows.add(Arguments.of(identity, "SHA-384", "", "AES128_GCM"));
            rows.add(Arguments.of(identity, "SHA-512", "invoices", "AES256_CBC"));
            rows.add(Arguments.of(identity, "SHA-256", "label", "ChaCha20Poly1305"));
            rows.add(Arguments.of(identity, "PKCS1", "", "ChaCha20Poly1305"));
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "{0} {1} label={2} {3}")
    @MethodSource("bouncyCastleRsa")
    void bouncyCastleRsaMessage_decryptsToExactBytes(String identity, String oaep, String label,
                                                     String content) throws Exception {
        ASN1ObjectIdentifier algorithm = contentAlgorithm(content);
        byte[] message = Senders.bouncyCastle(PLAINTEXT, algorithm, List.of(Senders.bcRsa(
                deployment.certificate(identity), oaep.equals("PKCS1") ? null : oaep,
                label.getBytes(StandardCharsets.UTF_8))));

        assertDecrypts(message, null, identity, algorithm.getId(), !content.endsWith("CBC"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ECDH_SHA1KDF", "ECDH_SHA224KDF", "ECDH_SHA256KDF", "ECDH_SHA384KDF",
        "ECDH_SHA512KDF", "ECCDH_SHA256KDF", "ECCDH_SHA512KDF"})
    void bouncyCastleEcdhMessage_decryptsOnEveryCurve(String agreement) throws Exception {
        ASN1ObjectIdentifier oid = (ASN1ObjectIdentifier) CMSAlgorithm.class.getField(agreement)
                .get(null);
        for (String identity : InteropIdentities.EC) {
            byte[] message = Senders.bouncyCastle(PLAINTEXT, CMSAlgorithm.ChaCha20Poly1305,
                    List.of(Senders.bcEc(deployment.certificate(identity), oid)));

            assertDecrypts(message, null, identity, CMSAlgorithm.ChaCha20Poly1305.getId(), true);
        }
    }

    /**
     * RFC 5083 authenticated attributes come after the content in the encoding but before it
     * in the tag; Bouncy Castle's own ChaCha20-Poly1305 could not take them that late.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"2.16.840.1.101.3.4.1.46", "1.2.840.113549.1.9.16.3.18"})
    void authenticatedAttributes_decryptAndAChangedAttributeFails(String cipher)
            throws Exception {
        byte[] marker = "smimed-authenticated-attribute".getBytes(StandardCharsets.US_ASCII);
        AttributeTable attributes = new AttributeTable(new Attribute(
                new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1"),
                new DERSet(new DEROctetString(marker))));
        byte[] message = Senders.bouncyCastleWithAuthAttributes(PLAINTEXT,
                new ASN1ObjectIdentifier(cipher), attributes,
                Senders.bcRsa(deployment.certificate(InteropIdentities.RSA_2048), null, null));

        assertDecrypts(message, null, InteropIdentities.RSA_2048, cipher, true);
        byte[] changed = message.clone();
        int at = indexOf(changed, marker);
        changed[at] ^= 0x01;
        assertThatThrownBy(() -> DecryptCall.decrypt(deployment.channel(), null, changed, 4096))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("decryption failed");
                });
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("marker not in the message");
    }

    @Test
    void mixedRecipients_rsaAndEc_eachDecrypts() throws Exception {
        byte[] bc = Senders.bouncyCastle(PLAINTEXT, CMSAlgorithm.AES256_GCM, List.of(
                Senders.bcRsa(deployment.certificate(InteropIdentities.RSA_3072), "SHA-256",
                        new byte[0]),
                Senders.bcEc(deployment.certificate(InteropIdentities.P384),
                        CMSAlgorithm.ECDH_SHA384KDF)));
        byte[] openssl = senders.openssl(PLAINTEXT, "aes-256-cbc", List.of(), true,
                deployment.certificate(InteropIdentities.P521),
                deployment.certificate(InteropIdentities.RSA_4096));

        String gcm = CIPHER_OIDS.get("aes-256-gcm");
        String cbc = CIPHER_OIDS.get("aes-256-cbc");
        assertDecrypts(bc, InteropIdentities.RSA_3072, InteropIdentities.RSA_3072, gcm, true);
        assertDecrypts(bc, InteropIdentities.P384, InteropIdentities.P384, gcm, true);
        assertDecrypts(openssl, InteropIdentities.P521, InteropIdentities.P521, cbc, false);
        assertDecrypts(openssl, InteropIdentities.RSA_4096, InteropIdentities.RSA_4096, cbc,
                false);
    }

    @Test
    void tripleDes_whenConfigured_decryptsAndIsMarkedLegacy() throws Exception {
        byte[] message = senders.openssl(PLAINTEXT, "des-ede3-cbc", List.of(), false,
                deployment.certificate(InteropIdentities.RSA_2048));

        DecryptCall.Answer answer = DecryptCall.decrypt(deployment.channel(), null, message, 4096);

        assertThat(answer.plaintext()).isEqualTo(PLAINTEXT);
        assertThat(answer.result().getContentEncryptionAlgorithm())
                .isEqualTo(CIPHER_OIDS.get("des-ede3-cbc"));
        assertThat(answer.result().getLegacyAlgorithm()).isTrue();
        byte[] modern = senders.openssl(PLAINTEXT, "aes-256-cbc", List.of(), false,
                deployment.certificate(InteropIdentities.RSA_2048));
        assertThat(DecryptCall.decrypt(deployment.channel(), null, modern, 4096).result()
                .getLegacyAlgorithm()).isFalse();
    }

    @Test
    void unlistedContentAlgorithm_isRefusedNamingTheAllowedOnes() throws Exception {
        byte[] camellia = Senders.bouncyCastle(PLAINTEXT, CMSAlgorithm.CAMELLIA128_CBC,
                List.of(Senders.bcRsa(deployment.certificate(InteropIdentities.RSA_2048), null,
                        null)));

        assertThatThrownBy(() -> DecryptCall.decrypt(deployment.channel(), null, camellia, 4096))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("content-encryption"
                            + " algorithm " + CMSAlgorithm.CAMELLIA128_CBC.getId()
                            + " is not allowed (allowed: aes128-cbc, aes192-cbc, aes256-cbc,"
                            + " aes128-gcm, aes192-gcm, aes256-gcm, chacha20-poly1305,"
                            + " des-ede3-cbc; see decryption.contentAlgorithms)");
                });
    }

    private static ASN1ObjectIdentifier contentAlgorithm(String name) throws Exception {
        return (ASN1ObjectIdentifier) CMSAlgorithm.class.getField(name).get(null);
    }

    private static void assertDecrypts(byte[] message, String restrictTo, String identity,
                                       String oid, boolean authenticated) throws Exception {
        DecryptCall.Answer answer = DecryptCall.decrypt(deployment.channel(), restrictTo, message,
                4096);

        assertThat(answer.plaintext()).isEqualTo(PLAINTEXT);
        assertThat(answer.result().getIdentity()).isEqualTo(identity);
        assertThat(answer.result().getKeyVersion()).isEqualTo(identity + "/v1");
        assertThat(answer.result().getContentEncryptionAlgorithm()).isEqualTo(oid);
        assertThat(answer.result().getAuthenticated()).isEqualTo(authenticated);
        assertThat(answer.result().getLegacyAlgorithm()).isFalse();
    }
}
