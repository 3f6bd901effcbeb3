package org.smimed.client.admin;

import java.util.List;
import java.util.StringJoiner;
import org.smimed.api.v1.KeyProtection;
import org.smimed.api.v1.KeyVersionInfo;
import org.smimed.api.v1.PendingApproval;
import org.smimed.api.v1.TokenInfoResponse;

/** The --json output: stable field names, plain JSON, no dependency. */
final class Json {
  private Json() {}

  static String versions(List<KeyVersionInfo> versions) {
    StringJoiner array = new StringJoiner(",\n  ", "[\n  ", "\n]");
    array.setEmptyValue("[]");
    for (KeyVersionInfo v : versions) {
      array.add(new StringJoiner(", ", "{", "}")
          .add(field("version", v.getVersion())).add(field("identity", v.getIdentity()))
          .add(field("state", Names.state(v)))
          .add(field("algorithm", Names.algorithm(v.getAlgorithm())))
          .add(field("usage", Names.usage(v.getUsage())))
          .add(field("subject", v.getCertificateSubject()))
          .add(field("serial", v.getCertificateSerial()))
          .add(field("notAfter", v.getNotAfter()))
          // No certificate (PENDING, DESTROYED): no expiry, rather than 0 days ("today").
          .add("\"daysLeft\": " + (v.getNotAfter().isEmpty() ? "null" : v.getDaysLeft()))
          .add(field("fingerprint", v.getFingerprint()))
          .add("\"legacy\": " + v.getLegacy())
          .add(field("created", v.getCreated())).add(field("updated", v.getUpdated()))
          .add("\"keyProtection\": " + (v.hasKeyProtection() ? protection(v.getKeyProtection())
              : "null"))
          .toString());
    }
    return array.toString();
  }

  private static String protection(KeyProtection p) {
    return new StringJoiner(", ", "{", "}").add("\"sensitive\": " + p.getSensitive())
        .add("\"extractable\": " + p.getExtractable())
        .add("\"alwaysSensitive\": " + p.getAlwaysSensitive())
        .add("\"neverExtractable\": " + p.getNeverExtractable())
        .add("\"modifiable\": " + p.getModifiable()).add("\"copyable\": " + p.getCopyable())
        .toString();
  }

  static String pending(List<PendingApproval> requests) {
    StringJoiner array = new StringJoiner(",\n  ", "[\n  ", "\n]");
    array.setEmptyValue("[]");
    for (PendingApproval p : requests) {
      array.add(new StringJoiner(", ", "{", "}")
          .add(field("requestId", p.getRequestId())).add(field("action", p.getAction()))
          .add(field("target", p.getTarget())).add(field("requestedBy", p.getRequestedBy()))
          .add(field("expires", p.getExpires())).add(field("certificate", p.getCertificate()))
          .add(field("subject", p.getCertificateSubject()))
          .add(field("issuer", p.getCertificateIssuer()))
          .add(field("serial", p.getCertificateSerial()))
          .add(field("fingerprint", p.getFingerprint()))
          .toString());
    }
    return array.toString();
  }

  static String token(TokenInfoResponse t) {
    return new StringJoiner(", ", "{", "}")
        .add(field("label", t.getLabel())).add(field("manufacturer", t.getManufacturer()))
        .add(field("model", t.getModel())).add(field("serial", t.getSerial()))
        .add(field("library", t.getLibrary()))
        .add("\"freePublicMemory\": " + t.getFreePublicMemory())
        .add("\"totalPublicMemory\": " + t.getTotalPublicMemory())
        .add("\"freePrivateMemory\": " + t.getFreePrivateMemory())
        .add("\"totalPrivateMemory\": " + t.getTotalPrivateMemory())
        .add("\"mechanisms\": " + strings(t.getMechanismsList()))
        .add("\"problems\": " + strings(t.getProblemsList())).toString();
  }

  private static String strings(List<String> values) {
    StringJoiner array = new StringJoiner(", ", "[", "]");
    values.forEach(v -> array.add(quote(v)));
    return array.toString();
  }

  private static String field(String name, String value) {
    return quote(name) + ": " + quote(value);
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
