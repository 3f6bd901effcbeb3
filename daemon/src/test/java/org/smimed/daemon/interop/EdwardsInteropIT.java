package org.smimed.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import io.grpc.ManagedChannel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.api.v1.ImportPkcs12Request;
import org.smimed.api.v1.KeyAdminServiceGrpc;
import org.smimed.api.v1.KeyGenAlgorithm;
import org.smimed.api.v1.KeyVersionInfo;
import org.smimed.api.v1.KeyVersionRequest;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignResponse;
import org.smimed.api.v1.SignatureAlgorithm;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.client.Channels;
import org.smimed.daemon.testing.OfficerCa;
import org.smimed.daemon.Daemon;
import org.smimed.daemon.config.ConfigLoader;
import org.smimed.daemon.testing.DecryptCall;
import org.smimed.daemon.testing.Smimectl;
import org.smimed.daemon.testing.Tamper;
import org.smimed.daemon.testing.EdwardsPeer;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.TestDeployment;

/**
 * RFC 9216 Carlos (Ed25519) and Dana (X25519), migrated into the token over the officer API,
 * used over mutual TLS: the daemon's Ed25519 signatures verify with Bouncy Castle (RFC 8419),
 * Bouncy Castle's X25519 messages (RFC 8418) decrypt to the exact bytes, and every tampered
 * X25519 message gets the one masked answer. OpenSSL 3.0 cannot do Ed25519 in CMS (it refuses
 * a digest with EdDSA), which {@link #openSsl30_cannotVerifyEd25519Cms} pins down.
 */
class EdwardsInteropIT {
    private static final String CARLOS = "carlos@smime.example";
    private static final String DANA = "dana@smime.example";
    private static final String CA = "Sample_LAMPS_Ed25519_Certification_Authority.selfsigned.pem";
    private static final byte[] CONTENT = "Content-Type: text/plain\r\n\r\nHello from Carlos\r\n"
            .repeat(20).getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path dir;
    private static Daemon daemon;
    private static ManagedChannel client;
    private static ManagedChannel officer;
    private static SigningServiceGrpc.SigningServiceBlockingStub signing;

    @BeforeAll
    static void start() throws Exception {
        Path config = TestDeployment.provisionedConfig(dir, "edwards");
        TestDeployment.addConfig(config, "admin: {listen: {address: 127.0.0.1, port: 0}}");
        daemon = Daemon.start(new ConfigLoader().load(config), System::getenv,
                Clock.systemUTC());
        client = Channels.tls("localhost:" + daemon.port(), dir.resolve("pki/ca.crt"),
                dir.resolve("pki/client.crt"), dir.resolve("pki/client.key"));
        officer = Channels.tls("localhost:" + daemon.adminPort(), dir.resolve("pki/ca.crt"),
                dir.resolve("pki/officer.crt"), dir.resolve("pki/officer.key"));
        var admin = KeyAdminServiceGrpc.newBlockingStub(officer);
        for (String[] k : List.of(new String[] {CARLOS, "lamps-carlos.p8.pem", "lamps-carlos.crt"},
                new String[] {DANA, "lamps-dana.decrypt.p8.pem", "lamps-dana.encrypt.crt"})) {
            KeyVersionInfo v = admin.importPkcs12(ImportPkcs12Request.newBuilder()
                    .setIdentity(k[0])
                    .setPkcs12(ByteString.copyFrom(EdwardsPeer.pkcs12(dir, k[1], k[2])))
                    .setPassword("pw").build());
            admin.activate(KeyVersionRequest.newBuilder().setVersion(v.getVersion()).build());
        }
        signing = SigningServiceGrpc.newBlockingStub(client);
    }

    @AfterAll
    static void stop() throws Exception {
        client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        officer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        daemon.close();
    }

    @Test
    void carlos_signsEd25519InTheToken_verifiedByBouncyCastle() throws Exception {
        for (SignatureAlgorithm asked : List.of(SignatureAlgorithm.SIGNATURE_ALGORITHM_UNSPECIFIED,
                SignatureAlgorithm.SIGNATURE_ALGORITHM_ED25519)) {
            SignResponse response = sign(asked);

            assertThat(response.getKeyVersion()).isEqualTo(CARLOS + "/v1");
            assertThat(response.getMicalg()).isEqualTo("sha-512");
            assertThat(EdwardsPeer.verifyEd25519(response.getSignedData().toByteArray(),
                    EdwardsPeer.certificate("lamps-carlos.crt"))).isEqualTo(CONTENT);
        }
    }

    @Test
    void directory_namesTheEdwardsKeyAlgorithms() {
        var directory = org.smimed.api.v1.DirectoryServiceGrpc.newBlockingStub(client);

        var carlos = directory.getIdentity(org.smimed.api.v1.GetIdentityRequest.newBuilder()
                .setIdentity(CARLOS).build());
        assertThat(carlos.getKeyAlgorithm())
                .isEqualTo(org.smimed.api.v1.KeyAlgorithm.KEY_ALGORITHM_ED25519);
        assertThat(carlos.getSigns()).isTrue();
        assertThat(carlos.getDigestAlgorithm()) // RFC 8419: Ed25519 in CMS over SHA-512
                .isEqualTo(org.smimed.api.v1.DigestAlgorithm.DIGEST_ALGORITHM_SHA512);
        var dana = directory.getIdentity(org.smimed.api.v1.GetIdentityRequest.newBuilder()
                .setIdentity(DANA).build());
        assertThat(dana.getKeyAlgorithm())
                .isEqualTo(org.smimed.api.v1.KeyAlgorithm.KEY_ALGORITHM_X25519);
        assertThat(dana.getKeyVersion()).isEqualTo(DANA + "/v1");
        // X25519 only agrees keys: Dana receives mail but cannot sign, and the entry says so.
        assertThat(dana.getSigns()).isFalse();
        assertThat(dana.getEncryptionKeyVersion()).isEqualTo(DANA + "/v1");
    }

    @Test
    void carlos_askedForEcdsa_isRefused() {
        assertThatThrownBy(() -> sign(SignatureAlgorithm.SIGNATURE_ALGORITHM_ECDSA))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("signature algorithm"
                            + " ECDSA does not work with the ED25519 key of '" + CARLOS + "'");
                });
    }

    @Test
    void openSsl30_cannotVerifyEd25519Cms() throws Exception {
        Path work = Files.createTempDirectory(dir, "openssl");
        Files.write(work.resolve("signed.der"), sign(
                SignatureAlgorithm.SIGNATURE_ALGORITHM_UNSPECIFIED).getSignedData().toByteArray());

        Processes.Result r = Processes.run(List.of("openssl", "cms", "-verify", "-binary",
                "-inform", "DER", "-in", "signed.der", "-CAfile",
                EdwardsPeer.RFC9216.resolve(CA).toString(), "-out", "out.txt"), work);

        // If this starts passing, OpenSSL learned Ed25519 in CMS: add it as a verifier.
        assertThat(r.exitCode()).as(r.stderr()).isNotZero();
        assertThat(r.stderr()).contains("invalid digest");
    }

    @Test
    void smimeEncryptToDana_decryptsThroughTheDaemon() throws Exception {
        Path in = Files.write(dir.resolve("to-dana.eml"), CONTENT);
        Path encrypted = dir.resolve("to-dana.p7m.eml");
        Path out = dir.resolve("from-dana.eml");

        assertThat(smime("encrypt", "--recipient", EdwardsPeer.RFC9216.resolve(
                "lamps-dana.encrypt.crt").toString(), "--in", in.toString(),
                "--out", encrypted.toString())).isZero();
        assertThat(smime("decrypt", "--target", "localhost:" + daemon.port(),
                "--ca", dir.resolve("pki/ca.crt").toString(),
                "--cert", dir.resolve("pki/client.crt").toString(),
                "--key", dir.resolve("pki/client.key").toString(),
                "--in", encrypted.toString(), "--out", out.toString())).isZero();

        assertThat(Files.readAllBytes(out)).isEqualTo(CONTENT);
    }

    /** The CLI's hash follows the key when not asked: SHA-512 for Ed25519 (RFC 8419). */
    @Test
    void smimeSignAsCarlos_withoutDigest_signsOverSha512AndVerifies() throws Exception {
        Path in = Files.write(dir.resolve("from-carlos.eml"), CONTENT);
        Path signed = dir.resolve("from-carlos.signed.eml");

        assertThat(smime("sign", "--identity", CARLOS, "--target", "localhost:" + daemon.port(),
                "--ca", dir.resolve("pki/ca.crt").toString(),
                "--cert", dir.resolve("pki/client.crt").toString(),
                "--key", dir.resolve("pki/client.key").toString(),
                "--in", in.toString(), "--out", signed.toString())).isZero();

        assertThat(Files.readString(signed, StandardCharsets.US_ASCII)).contains("micalg=sha-512");
        assertThat(smime("verify", "--trust", EdwardsPeer.RFC9216.resolve(CA).toString(),
                "--in", signed.toString(), "--out", dir.resolve("carlos.out").toString()))
                .isZero();
    }

    private static int smime(String... args) {
        var err = new java.io.StringWriter();
        int code = new org.smimed.client.cli.SmimeCli(new org.smimed.client.cli.CliIo(
                new java.io.ByteArrayInputStream(new byte[0]), new java.io.ByteArrayOutputStream(),
                new java.io.PrintWriter(err, true), java.util.Map.of(), Clock.systemUTC()))
                .run(args);
        if (code != 0) {
            throw new AssertionError("smime " + args[0] + " failed: " + err);
        }
        return code;
    }

    @Test
    void bouncyCastleX25519Messages_decryptThroughTheDaemon_toTheExactBytes() throws Exception {
        X509Certificate dana = EdwardsPeer.certificate("lamps-dana.encrypt.crt");
        for (ASN1ObjectIdentifier[] c : EdwardsPeer.ciphers()) {
            byte[] message = EdwardsPeer.encrypt(dana, c[0], c[1], CONTENT);

            DecryptCall.Answer answer = DecryptCall.decrypt(client, null, message,
                    512);

            assertThat(answer.plaintext()).as("%s + %s", c[0], c[1]).isEqualTo(CONTENT);
            assertThat(answer.result().getKeyVersion()).isEqualTo(DANA + "/v1");
        }
    }

    /**
     * RFC 8418 section 2.2: a ukm is the HKDF salt as well as the SharedInfo's entityUInfo;
     * a message with one (Bouncy Castle's setUserKeyingMaterial) failed while only the info
     * carried it (found by an outside trial).
     */
    @Test
    void bouncyCastleX25519MessageWithUkm_decryptsThroughTheDaemon() throws Exception {
        X509Certificate dana = EdwardsPeer.certificate("lamps-dana.encrypt.crt");
        byte[] ukm = "user keying material, 32 bytes!!".getBytes(StandardCharsets.US_ASCII);
        for (ASN1ObjectIdentifier[] c : EdwardsPeer.ciphers()) {
            byte[] message = EdwardsPeer.encrypt(dana, c[0], c[1], CONTENT, ukm);

            DecryptCall.Answer answer = DecryptCall.decrypt(client, null, message, 512);

            assertThat(answer.plaintext()).as("%s + %s", c[0], c[1]).isEqualTo(CONTENT);
        }
    }

    /**
     * RFC 8418 section 2.1: X25519 with the ANSI X9.63 KDF, as CryptoSys's examples for
     * draft-ireland-examples-cms send to Dana; the daemon knew only HKDF and answered "no
     * recipient matches" (found with those examples).
     */
    @Test
    void x963KdfX25519Messages_decryptThroughTheDaemon() throws Exception {
        X509Certificate dana = EdwardsPeer.certificate("lamps-dana.encrypt.crt");
        Map<ASN1ObjectIdentifier, String> schemes = Map.of(
                SECObjectIdentifiers.dhSinglePass_stdDH_sha256kdf_scheme, "SHA-256",
                SECObjectIdentifiers.dhSinglePass_stdDH_sha384kdf_scheme, "SHA-384",
                SECObjectIdentifiers.dhSinglePass_stdDH_sha512kdf_scheme, "SHA-512");
        for (var scheme : schemes.entrySet()) {
            for (ASN1ObjectIdentifier[] c : EdwardsPeer.ciphers()) {
                byte[] message = EdwardsPeer.encryptX963(dana, scheme.getKey(),
                        scheme.getValue(), c[0], c[1], CONTENT);

                DecryptCall.Answer answer = DecryptCall.decrypt(client, null, message, 512);

                assertThat(answer.plaintext()).as("%s: %s + %s", scheme.getValue(), c[0], c[1])
                        .isEqualTo(CONTENT);
            }
        }
    }

    /**
     * RFC 7748 section 6.1: an all-zero shared secret means the sender's point had low order,
     * and the content key it wraps is known to everyone, so the message proves nothing about
     * its sender's knowledge of the recipient's key. It is refused like any other bad message.
     */
    @Test
    void x25519MessageFromALowOrderPoint_isRefused_asDecryptionFailed() throws Exception {
        X509Certificate dana = EdwardsPeer.certificate("lamps-dana.encrypt.crt");
        byte[] message = EdwardsPeer.encryptX963FromLowOrderPoint(dana,
                SECObjectIdentifiers.dhSinglePass_stdDH_sha256kdf_scheme, "SHA-256",
                NISTObjectIdentifiers.id_aes256_wrap, NISTObjectIdentifiers.id_aes256_GCM,
                CONTENT);

        assertThatThrownBy(() -> DecryptCall.decrypt(client, null, message, 4096))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("decryption failed");
                });
    }

    @Test
    void tamperedX25519Messages_getTheSameStatusAndMessage() throws Exception {
        X509Certificate dana = EdwardsPeer.certificate("lamps-dana.encrypt.crt");
        byte[] gcm = EdwardsPeer.encrypt(dana, NISTObjectIdentifiers.id_aes256_wrap,
                NISTObjectIdentifiers.id_aes256_GCM, CONTENT);
        byte[] cbc = EdwardsPeer.encrypt(dana, NISTObjectIdentifiers.id_aes128_wrap,
                NISTObjectIdentifiers.id_aes128_CBC, CONTENT);
        Map<String, byte[]> broken = new LinkedHashMap<>();
        broken.put("wrapped key, GCM", Tamper.flipInside(gcm, Tamper.wrappedKey(gcm)));
        broken.put("wrapped key, CBC", Tamper.flipInside(cbc, Tamper.wrappedKey(cbc)));
        broken.put("ephemeral key, GCM", Tamper.flipInside(gcm, Tamper.ephemeralKey(gcm)));
        broken.put("ephemeral key, CBC", Tamper.flipInside(cbc, Tamper.ephemeralKey(cbc)));
        broken.put("GCM body", Tamper.flipInside(gcm, org.bouncycastle.asn1.cms.AuthEnvelopedData
                .getInstance(ContentInfo.getInstance(gcm).getContent())
                .getAuthEncryptedContentInfo().getEncryptedContent().getOctets()));
        broken.put("GCM tag", Tamper.flipAt(gcm, gcm.length - 3));
        broken.put("CBC body", Tamper.breakCbcPadding(cbc, org.bouncycastle.asn1.cms.EnvelopedData
                .getInstance(ContentInfo.getInstance(cbc).getContent())
                .getEncryptedContentInfo().getEncryptedContent().getOctets()));

        for (Map.Entry<String, byte[]> m : broken.entrySet()) {
            assertThatThrownBy(() -> DecryptCall.decrypt(client, null,
                    m.getValue(), 4096)).as(m.getKey())
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).as(m.getKey())
                                .isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).as(m.getKey())
                                .isEqualTo("decryption failed");
                    });
        }
        for (byte[] good : List.of(gcm, cbc)) {
            assertThat(DecryptCall.decrypt(client, null, good, 4096).plaintext())
                    .isEqualTo(CONTENT);
        }
    }

    @Test
    void generatedEd25519_isListedWithItsAlgorithm() {
        var admin = KeyAdminServiceGrpc.newBlockingStub(officer());
        KeyVersionInfo v = admin.generateKey(org.smimed.api.v1.GenerateKeyRequest.newBuilder()
                .setIdentity("new-ed@smimed.example")
                .setAlgorithm(KeyGenAlgorithm.KEY_GEN_ALGORITHM_ED25519)
                .setUsage(org.smimed.api.v1.KeyUsageKind.KEY_USAGE_KIND_SIGN).build());

        assertThat(v.getAlgorithm()).isEqualTo(KeyGenAlgorithm.KEY_GEN_ALGORITHM_ED25519);
        assertThat(v.getVersion()).isEqualTo("new-ed@smimed.example/v1");
        assertThat(org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(
                v.getPublicKey().toByteArray()).getAlgorithm().getAlgorithm().getId())
                .isEqualTo("1.3.101.112");
    }

    @Test
    void generatedX25519_showsItsPublicKey_andRefusesACsr() {
        var admin = KeyAdminServiceGrpc.newBlockingStub(officer());
        KeyVersionInfo v = admin.generateKey(org.smimed.api.v1.GenerateKeyRequest.newBuilder()
                .setIdentity("new-x@smimed.example")
                .setAlgorithm(KeyGenAlgorithm.KEY_GEN_ALGORITHM_X25519)
                .setUsage(org.smimed.api.v1.KeyUsageKind.KEY_USAGE_KIND_ENCRYPT).build());

        assertThat(org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(
                v.getPublicKey().toByteArray()).getAlgorithm().getAlgorithm().getId())
                .isEqualTo("1.3.101.110");
        assertThatThrownBy(() -> admin.createCsr(org.smimed.api.v1.CreateCsrRequest.newBuilder()
                .setVersion(v.getVersion()).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).startsWith(v.getVersion()
                            + " is an X25519 key, which cannot sign a certificate request");
                });
    }

    @Test
    void smimectl_x25519_certifiedFromItsPublicKey_importCert_activate_decrypts()
            throws Exception {
        String id = "ctl-x@smimed.example";
        assertThat(ctlOk("generate", id, "--alg", "x25519", "--usage", "encrypt"))
                .isEqualTo(id + "/v1  PENDING  x25519  encrypt\n");
        String pem = ctlOk("public-key", id + "/v1");
        assertThat(pem).startsWith("-----BEGIN PUBLIC KEY-----\n")
                .endsWith("-----END PUBLIC KEY-----\n");
        byte[] spki = java.util.Base64.getMimeDecoder().decode(pem
                .replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", ""));
        java.security.PublicKey key = java.security.KeyFactory.getInstance("X25519")
                .generatePublic(new java.security.spec.X509EncodedKeySpec(spki));
        OfficerCa ca = OfficerCa.create(Clock.systemUTC());
        X509Certificate cert = ca.issue(key, id, false, true, java.time.Duration.ofDays(30));
        Path chain = ca.writeChain(dir.resolve("ctl-x-chain.pem"), cert);

        ctlOk("import-cert", id + "/v1", chain.toString());
        ctlOk("activate", id + "/v1");
        byte[] message = EdwardsPeer.encrypt(cert, NISTObjectIdentifiers.id_aes128_wrap,
                NISTObjectIdentifiers.id_aes128_GCM, CONTENT);
        assertThat(DecryptCall.decrypt(client, null, message, 4096).plaintext())
                .isEqualTo(CONTENT);
    }

    private static String ctlOk(String... args) {
        return Smimectl.demoOfficer(dir, "localhost:" + daemon.adminPort()).ok(args);
    }

    private static ManagedChannel officer() {
        return officer;
    }

    private static SignResponse sign(SignatureAlgorithm algorithm) {
        return signing.sign(SignRequest.newBuilder().setIdentity(CARLOS).setEncapsulate(true)
                .setContent(ByteString.copyFrom(CONTENT)).setSignatureAlgorithm(algorithm)
                .build());
    }

}
