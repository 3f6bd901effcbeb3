package org.smimed.client.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Strict reader of one audit log line in the daemon's canonical form (docs/audit.md): one flat
 * JSON object whose members are exactly {@link #MEMBERS}, in that order, with no whitespace;
 * officer and SignBatch records may carry {@code detail} between {@code status} and
 * {@code prev}. Anything else is not a record — an edit that changes the form is caught here.
 */
final class AuditLine {
  static final List<String> MEMBERS = List.of("seq", "time", "requestId", "caller", "event",
      "method", "identity", "keyVersion", "inputSha256", "outcome", "status", "prev", "hash");
  private static final List<String> MEMBERS_WITH_DETAIL = List.of("seq", "time", "requestId",
      "caller", "event", "method", "identity", "keyVersion", "inputSha256", "outcome", "status",
      "detail", "prev", "hash");
  private static final String HASH_MEMBER = ",\"hash\":\"";

  private AuditLine() {}

  /** The members of {@code line} in order, or empty if it is not in canonical form. */
  static Optional<Map<String, String>> parse(String line) {
    Map<String, String> members = new LinkedHashMap<>();
    int[] pos = {0};
    if (!eat(line, pos, '{')) {
      return Optional.empty();
    }
    List<String> names = new ArrayList<>();
    while (true) {
      String name = string(line, pos);
      if (name == null || !eat(line, pos, ':')) {
        return Optional.empty();
      }
      String value = names.isEmpty() ? number(line, pos) : string(line, pos);
      if (value == null) {
        return Optional.empty();
      }
      names.add(name);
      members.put(name, value);
      if (eat(line, pos, '}')) {
        break;
      }
      if (!eat(line, pos, ',')) {
        return Optional.empty();
      }
    }
    if (pos[0] != line.length()
        || !(names.equals(MEMBERS) || names.equals(MEMBERS_WITH_DETAIL)
            && !members.get("detail").isEmpty())
        || !members.get("hash").matches("[0-9a-f]{64}")
        || !members.get("prev").matches("[0-9a-f]{64}")) {
      return Optional.empty();
    }
    return Optional.of(members);
  }

  /** The bytes the hash covers: the line without its final hash member. */
  static String canonical(String line) {
    return line.substring(0, line.lastIndexOf(HASH_MEMBER)) + "}";
  }

  private static boolean eat(String s, int[] pos, char c) {
    if (pos[0] < s.length() && s.charAt(pos[0]) == c) {
      pos[0]++;
      return true;
    }
    return false;
  }

  private static String number(String s, int[] pos) {
    int start = pos[0];
    while (pos[0] < s.length() && Character.isDigit(s.charAt(pos[0]))) {
      pos[0]++;
    }
    return pos[0] == start ? null : s.substring(start, pos[0]);
  }

  private static String string(String s, int[] pos) {
    if (!eat(s, pos, '"')) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    while (pos[0] < s.length()) {
      char c = s.charAt(pos[0]++);
      if (c == '"') {
        return b.toString();
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      if (pos[0] >= s.length()) {
        return null;
      }
      char e = s.charAt(pos[0]++);
      switch (e) {
        case '"', '\\' -> b.append(e);
        case 'u' -> {
          if (pos[0] + 4 > s.length()) {
            return null;
          }
          try {
            b.append((char) Integer.parseInt(s.substring(pos[0], pos[0] + 4), 16));
          } catch (NumberFormatException ex) {
            return null;
          }
          pos[0] += 4;
        }
        default -> {
          return null;
        }
      }
    }
    return null;
  }
}
