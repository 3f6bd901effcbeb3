package org.smimed.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.client.mime.ContentCipher;
import org.smimed.client.mime.EncryptedMessageWriter;
import org.smimed.client.mime.RecipientIdType;

class SmimeClientTest {
  @TempDir Path dir;
  private TestPki pki;
  private FakeDaemon daemon;
  private Server server;
  private ManagedChannel channel;
  private SmimeClient client;

  @BeforeEach
  void setUp() throws Exception {
    pki = TestPki.create(dir);
    pki.issueEmail("alice", "alice@example.com", "rsa");
    daemon = new FakeDaemon(pki.privateKey("alice", "RSA"), pki.x509("alice"));
    String name = InProcessServerBuilder.generateName();
    server = daemon.start(InProcessServerBuilder.forName(name).directExecutor());
    channel = InProcessChannelBuilder.forName(name).build();
    client = new SmimeClient(channel, Duration.ofSeconds(30));
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  private byte[] encrypted(byte[] plaintext, ContentCipher cipher) throws Exception {
    return new EncryptedMessageWriter(new BouncyCastleProvider(), new SecureRandom())
        .encryptEntity(plaintext, List.of(pki.x509("alice")), cipher, RecipientIdType.ISSUER_SERIAL);
  }

  @Test
  void decrypt_largeMessage_streamsIn64KiBChunksAndWritesAllPlaintext() throws Exception {
    byte[] plaintext = new byte[3 * 1024 * 1024 + 17];
    new SecureRandom().nextBytes(plaintext);
    byte[] cms = encrypted(plaintext, ContentCipher.AES256_GCM);
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    DecryptResult result = client.decrypt("alice@example.com", new ByteArrayInputStream(cms), out);

    assertThat(out.toByteArray()).isEqualTo(plaintext);
    assertThat(result).isEqualTo(new DecryptResult("alice@example.com", "v1",
        "2.16.840.1.101.3.4.1.46", true, plaintext.length));
    assertThat(daemon.chunkSizes).hasSize(cms.length / 65536 + 1)
        .allMatch(n -> n <= 65536).first().isEqualTo(65536);
    assertThat(daemon.identities).containsExactly("alice@example.com");
  }

  @Test
  void decrypt_cbcWithoutIdentity_reportsUnauthenticated() throws Exception {
    byte[] cms = encrypted("hello".getBytes(), ContentCipher.AES128_CBC);
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    DecryptResult result = client.decrypt(null, new ByteArrayInputStream(cms), out);

    assertThat(out.toString()).isEqualTo("hello");
    assertThat(result.authenticated()).isFalse();
    assertThat(daemon.identities).containsExactly("");
  }

  @Test
  void decrypt_garbage_throwsInvalidArgumentWithDescription() {
    assertThatThrownBy(() -> client.decrypt(null,
        new ByteArrayInputStream(new byte[] {1, 2, 3}), new ByteArrayOutputStream()))
        .isInstanceOfSatisfying(SmimeClientException.class, e -> {
          assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.description()).isEqualTo("decryption failed");
        });
  }

  @Test
  void sign_digest_returnsDetachedSignedDataOverThatDigest() throws Exception {
    byte[] content = "Content-Type: text/plain\r\n\r\nhi\r\n".getBytes();
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);

    SignResult r = client.sign(SigningRequest.ofDigest("alice@example.com", HashAlgorithm.SHA256,
        digest));

    assertThat(r.micalg()).isEqualTo("sha-256");
    assertThat(r.keyVersion()).isEqualTo("v1");
    assertThat(r.certificate()).isEqualTo(pki.x509("alice").getEncoded());
    CMSSignedData sd = new CMSSignedData(
        new org.bouncycastle.cms.CMSProcessableByteArray(content), r.signedData());
    var signer = sd.getSignerInfos().getSigners().iterator().next();
    assertThat(signer.verify(new org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder()
        .setProvider(new BouncyCastleProvider()).build(pki.x509("alice")))).isTrue();
  }

  @Test
  void sign_unknownIdentity_throwsNotFound() {
    assertThatThrownBy(() -> client.sign(SigningRequest.ofContent("nobody@example.com",
        new byte[] {1}, false, null)))
        .isInstanceOfSatisfying(SmimeClientException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND))
        .hasMessage("NOT_FOUND: unknown identity");
  }

  @Test
  void signingRequest_encapsulatedDigest_isRefusedBeforeAnyCall() {
    assertThatThrownBy(() -> new SigningRequest("a@b", null,
        new SigningRequest.Digest(HashAlgorithm.SHA256, new byte[32]), true, null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SigningRequest.ofDigest("a@b", HashAlgorithm.SHA384, new byte[32]))
        .hasMessageContaining("48 bytes");
  }

  @Test
  void listIdentities_unimplementedService_surfacesUnimplemented() {
    assertThatThrownBy(() -> client.listIdentities())
        .isInstanceOfSatisfying(SmimeClientException.class,
            e -> assertThat(e.code()).isEqualTo(Status.Code.UNIMPLEMENTED));
  }
}
