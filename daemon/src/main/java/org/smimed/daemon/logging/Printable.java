package org.smimed.daemon.logging;

/**
 * Text that repeats what a caller sent (an identity, a file name, a subject), made safe to
 * print: control characters, Unicode format characters (zero-width, bidirectional overrides)
 * and line separators become {@code \}{@code uXXXX}. Without it a caller's identity could end a
 * log line and forge the next, or send escape sequences to the terminal of whoever reads an
 * error reply (found by a fuzz trial: CR, LF and ESC came back as they were sent).
 */
public final class Printable {
    private Printable() {
    }

    /** {@code text} with every unprintable character escaped; the same string if none. */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        int first = 0;
        while (first < text.length() && printable(text.charAt(first))) {
            first++;
        }
        if (first == text.length()) {
            return text;
        }
        StringBuilder escaped = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (printable(c)) {
                escaped.append(c);
            } else {
                escaped.append(String.format("\\u%04x", (int) c));
            }
        }
        return escaped.toString();
    }

    private static boolean printable(char c) {
        if (c >= ' ' && c < 0x7f) {
            return true;
        }
        if (Character.isISOControl(c)) {
            return false;
        }
        int type = Character.getType(c);
        return type != Character.FORMAT && type != Character.LINE_SEPARATOR
                && type != Character.PARAGRAPH_SEPARATOR;
    }
}
