package org.smimed.client.mime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads X.509 certificates from PEM (or DER) files.
 *
 * <p>Guarantee: a file that holds no certificate is an error, never an empty list.
 */
public final class Certificates {
  private Certificates() {}

  public static List<X509Certificate> read(Path file) throws SmimeOperationException {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> certs = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        certs.add((X509Certificate) c);
      }
      if (certs.isEmpty()) {
        throw new SmimeOperationException("no certificate in " + file);
      }
      return certs;
    } catch (java.nio.file.NoSuchFileException e) {
      // The JDK names the file alone, which said nothing (found by a CLI review).
      throw new SmimeOperationException("cannot read certificates from " + file
          + ": no such file", e);
    } catch (java.nio.file.AccessDeniedException e) {
      throw new SmimeOperationException("cannot read certificates from " + file
          + ": permission denied", e);
    } catch (IOException | CertificateException e) {
      throw new SmimeOperationException("cannot read certificates from " + file + ": "
          + otherPem(file).map(label -> "it holds a PEM " + label + ", not a certificate"
              + " (-----BEGIN CERTIFICATE-----)").orElse(e.getMessage()), e);
    }
  }

  /**
   * The label of the first PEM block in {@code file} if it is not a certificate: a private key
   * given as --trust was "signed fields invalid", which named nothing (a new-user trial).
   */
  private static java.util.Optional<String> otherPem(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      String head = new String(in.readNBytes(8192), java.nio.charset.StandardCharsets.ISO_8859_1);
      java.util.regex.Matcher begin = java.util.regex.Pattern
          .compile("-----BEGIN ([A-Z0-9 #]{1,40})-----").matcher(head);
      return begin.find() && !begin.group(1).endsWith("CERTIFICATE")
          ? java.util.Optional.of(begin.group(1)) : java.util.Optional.empty();
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }

  /** The certificate's e-mail addresses (SAN rfc822Name, then subject emailAddress), lower case. */
  public static List<String> emails(X509Certificate cert) {
    return SignerCertificates.emails(cert);
  }

  /** Parses one DER certificate. */
  public static X509Certificate fromDer(byte[] der) throws SmimeOperationException {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new java.io.ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new SmimeOperationException("malformed certificate: " + e.getMessage(), e);
    }
  }

  /** Reads all certificates of several files, in order. */
  public static List<X509Certificate> readAll(List<Path> files) throws SmimeOperationException {
    List<X509Certificate> all = new ArrayList<>();
    for (Path f : files) {
      all.addAll(read(f));
    }
    return all;
  }
}
