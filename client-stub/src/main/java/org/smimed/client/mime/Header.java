package org.smimed.client.mime;

import java.util.Locale;

/**
 * One header field exactly as it appeared, folding kept, with CRLF line ends.
 *
 * <p>Guarantee: {@link #raw()} written back reproduces the field byte for byte (ISO-8859-1
 * round-trips every octet, so 8-bit header bytes survive).
 *
 * @param name the field name as written
 * @param raw the whole field including continuation lines and the final CRLF
 */
public record Header(String name, String raw) {

  /** The unfolded value without the name, colon and surrounding white space. */
  public String value() {
    String v = raw.substring(raw.indexOf(':') + 1);
    return v.replaceAll("\r\n(?=[ \t])", "").strip();
  }

  /** True for Content-* fields, which belong to the MIME entity rather than the message. */
  public boolean isContent() {
    return name.toLowerCase(Locale.ROOT).startsWith("content-");
  }

  public boolean is(String other) {
    return name.equalsIgnoreCase(other);
  }

  /** A new field "Name: value" with a CRLF. */
  public static Header of(String name, String value) {
    return new Header(name, name + ": " + value + "\r\n");
  }
}
