package org.smimed.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * A throwaway PKI made with the openssl command in a test's temporary directory: a CA, an RSA
 * signer/recipient "alice@example.com", an EC P-256 recipient "bob@example.com", and a TLS
 * server certificate for localhost.
 */
public final class TestPki {
  public static final String OPENSSL = "/usr/bin/openssl";

  public final Path dir;
  public final Path caCert;
  public final Path caKey;

  private TestPki(Path dir) {
    this.dir = dir;
    this.caCert = dir.resolve("ca.pem");
    this.caKey = dir.resolve("ca.key");
  }

  public static TestPki create(Path dir) throws Exception {
    TestPki pki = new TestPki(dir);
    pki.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
        "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    return pki;
  }

  /** A new PKI (see {@link #create}) with alice's RSA identity issued. */
  public static TestPki withAlice(Path dir) throws Exception {
    TestPki pki = create(dir);
    pki.issueEmail("alice", "alice@example.com", "rsa");
    return pki;
  }

  /** As {@link #withAlice(Path)}, with {@code content} in content.txt, what alice signs. */
  public static TestPki withAlice(Path dir, String content) throws Exception {
    TestPki pki = withAlice(dir);
    Files.writeString(dir.resolve("content.txt"), content);
    return pki;
  }

  /** Issues "name.pem"/"name.key" (PKCS#8) for an e-mail address; keySpec "rsa" or "ec". */
  public void issueEmail(String name, String email, String keySpec) throws Exception {
    String ext = "subjectAltName=email:" + email + "\nkeyUsage=critical,digitalSignature,"
        + (keySpec.equals("ec") ? "keyAgreement" : "keyEncipherment")
        + "\nextendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\n";
    issue(name, "/CN=" + name + "/emailAddress=" + email, keySpec, ext);
  }

  /** Issues a TLS server certificate for localhost and 127.0.0.1. */
  public void issueServer(String name) throws Exception {
    issue(name, "/CN=localhost", "rsa",
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  }

  private void issue(String name, String subject, String keySpec, String ext) throws Exception {
    if (keySpec.equals("ec")) {
      openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
          "-out", name + ".key");
    } else {
      openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
          "-out", name + ".key");
    }
    openssl("req", "-new", "-key", name + ".key", "-subj", subject, "-out", name + ".csr");
    Files.writeString(dir.resolve(name + ".ext"), ext);
    openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", name + ".ext", "-out", name + ".pem");
  }

  public Path cert(String name) {
    return dir.resolve(name + ".pem");
  }

  public Path key(String name) {
    return dir.resolve(name + ".key");
  }

  public X509Certificate x509(String name) throws Exception {
    return org.smimed.client.mime.Certificates.read(cert(name)).get(0);
  }

  /** Reads the PKCS#8 PEM key written by openssl genpkey. */
  public PrivateKey privateKey(String name, String algorithm) throws Exception {
    String pem = Files.readString(key(name));
    String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance(algorithm)
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
  }

  /** Runs openssl in the PKI directory; fails with its stderr unless it exits 0. */
  public byte[] openssl(String... args) throws Exception {
    Result r = run(args);
    if (r.exit != 0) {
      throw new IOException("openssl " + String.join(" ", args) + " failed: " + r.stderr);
    }
    return r.stdout;
  }

  /** Runs openssl and returns its exit code and output, whatever the exit code. */
  public Result run(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(OPENSSL));
    cmd.addAll(List.of(args));
    Path errFile = Files.createTempFile(dir, "openssl", ".err");
    Process p = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectError(errFile.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    int exit = p.waitFor();
    return new Result(exit, out, Files.readString(errFile, StandardCharsets.UTF_8));
  }

  /** Outcome of one openssl run. */
  public record Result(int exit, byte[] stdout, String stderr) {}
}
