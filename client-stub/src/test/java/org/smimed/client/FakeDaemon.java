package org.smimed.client;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.cms.CMSAuthEnvelopedData;
import org.bouncycastle.cms.CMSEnvelopedData;
import org.bouncycastle.cms.RecipientInformation;
import org.bouncycastle.cms.jcajce.JceKeyTransEnvelopedRecipient;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.smimed.api.v1.DecryptRequest;
import org.smimed.api.v1.DecryptResponse;
import org.smimed.api.v1.DecryptResult;
import org.smimed.api.v1.DecryptionServiceGrpc;
import org.smimed.api.v1.SignRequest;
import org.smimed.api.v1.SignResponse;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.client.mime.SignPayload;

/**
 * A stand-in daemon for client tests: real gRPC services over a software RSA key with Bouncy
 * Castle. It lets the client's streaming, status mapping and CLI wiring be tested without the
 * real daemon; the daemon's own tests cover the token.
 */
public final class FakeDaemon {
  static final int PLAINTEXT_CHUNK = 7000;
  private final PrivateKey key;
  private final X509Certificate cert;
  private final BouncyCastleProvider bc = new BouncyCastleProvider();
  /** Sizes of the request chunks and the identity of the first message, for assertions. */
  public final java.util.List<Integer> chunkSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
  public final java.util.List<String> identities = new java.util.concurrent.CopyOnWriteArrayList<>();

  public FakeDaemon(PrivateKey key, X509Certificate cert) {
    this.key = key;
    this.cert = cert;
  }

  public <T extends io.grpc.ServerBuilder<T>> Server start(io.grpc.ServerBuilder<T> builder)
      throws java.io.IOException {
    return builder.addService(new Signing()).addService(new Decryption()).build().start();
  }

  final class Signing extends SigningServiceGrpc.SigningServiceImplBase {
    @Override
    public void sign(SignRequest request, StreamObserver<SignResponse> response) {
      if (!request.getIdentity().equals("alice@example.com")) {
        response.onError(Status.NOT_FOUND.withDescription("unknown identity").asException());
        return;
      }
      HashAlgorithm hash = request.hasDigest()
          ? HashAlgorithm.values()[request.getDigest().getAlgorithmValue() - 1]
          : HashAlgorithm.SHA256;
      byte[] content = request.hasDigest() ? null : request.getContent().toByteArray();
      byte[] digest = request.hasDigest() ? request.getDigest().getValue().toByteArray()
          : sha(hash, content);
      var signed = new SoftwareSigner(key, cert, bc)
          .sign(new SignPayload(hash, digest, content, request.getEncapsulate()));
      response.onNext(SignResponse.newBuilder()
          .setSignedData(ByteString.copyFrom(signed.signedData()))
          .setCertificate(ByteString.copyFrom(encoded(cert))).setKeyVersion("v1")
          .setMicalg(signed.micalg()).build());
      response.onCompleted();
    }
  }

  final class Decryption extends DecryptionServiceGrpc.DecryptionServiceImplBase {
    @Override
    public StreamObserver<DecryptRequest> decrypt(StreamObserver<DecryptResponse> response) {
      ByteArrayOutputStream cms = new ByteArrayOutputStream();
      return new StreamObserver<>() {
        @Override
        public void onNext(DecryptRequest r) {
          chunkSizes.add(r.getChunk().size());
          if (identities.isEmpty()) {
            identities.add(r.getIdentity());
          }
          cms.writeBytes(r.getChunk().toByteArray());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          respond(cms.toByteArray(), response);
        }
      };
    }
  }

  private void respond(byte[] cms, StreamObserver<DecryptResponse> response) {
    byte[] plaintext;
    String oid;
    boolean authenticated;
    try {
      ContentInfo info = ContentInfo.getInstance(cms);
      authenticated = info.getContentType().equals(CMSObjectIdentifiers.authEnvelopedData);
      RecipientInformation recipient;
      if (authenticated) {
        CMSAuthEnvelopedData d = new CMSAuthEnvelopedData(cms);
        oid = d.getEncryptionAlgOID();
        recipient = d.getRecipientInfos().getRecipients().iterator().next();
      } else {
        CMSEnvelopedData d = new CMSEnvelopedData(cms);
        oid = d.getEncryptionAlgOID();
        recipient = d.getRecipientInfos().getRecipients().iterator().next();
      }
      plaintext = recipient.getContent(
          new JceKeyTransEnvelopedRecipient(key).setProvider(bc).setContentProvider(bc));
    } catch (Exception e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("decryption failed").asException());
      return;
    }
    response.onNext(DecryptResponse.newBuilder().setResult(DecryptResult.newBuilder()
        .setIdentity("alice@example.com").setKeyVersion("v1").setContentEncryptionAlgorithm(oid)
        .setAuthenticated(authenticated).setPlaintextLength(plaintext.length)).build());
    for (int i = 0; i < plaintext.length; i += PLAINTEXT_CHUNK) {
      byte[] chunk = Arrays.copyOfRange(plaintext, i, Math.min(plaintext.length, i + PLAINTEXT_CHUNK));
      response.onNext(DecryptResponse.newBuilder().setChunk(ByteString.copyFrom(chunk)).build());
    }
    response.onCompleted();
  }

  private static byte[] sha(HashAlgorithm hash, byte[] data) {
    try {
      return java.security.MessageDigest.getInstance(hash.jcaName()).digest(data);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] encoded(X509Certificate cert) {
    try {
      return cert.getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }
}
