package org.smimed.daemon.audit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Where an audit chain left off: the last record of a file, and the newest archive. */
final class AuditTail {
    /** DOTALL: older records may hold U+0085 or U+2028, which "." does not match. */
    private static final Pattern TAIL = Pattern.compile(
            "^\\{\"seq\":(\\d+),.*,\"hash\":\"([0-9a-f]{64})\"}$", Pattern.DOTALL);
    private static final int TAIL_BYTES = 64 * 1024;

    private AuditTail() {
    }

    /** The archive with the highest sequence number beside {@code file}, if any. */
    static Optional<Path> newestArchive(Path file) throws IOException {
        Pattern name = Pattern.compile(Pattern.quote(file.getFileName().toString())
                + "\\.\\d{12}");
        try (Stream<Path> siblings = Files.list(file.toAbsolutePath().getParent())) {
            return siblings.filter(p -> name.matcher(p.getFileName().toString()).matches())
                    .max(Comparator.comparing(p -> p.getFileName().toString()));
        }
    }

    /**
     * The hash of the file's last record (sets seq[0]), or GENESIS for an empty file. Reads
     * back from the end as far as the last record reaches (records written before values were
     * bounded can be long), and matches it whatever characters it holds.
     */
    static String lastRecord(Path file, long[] seq) throws IOException, AuditException {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long size = in.length();
            if (size == 0) {
                return AuditRecord.GENESIS;
            }
            String text;
            int start;
            int window = TAIL_BYTES;
            while (true) {
                int length = (int) Math.min(size, window);
                byte[] tail = new byte[length];
                in.seek(size - length);
                in.readFully(tail);
                text = new String(tail, StandardCharsets.UTF_8);
                if (!text.endsWith("\n")) {
                    throw damaged(file);
                }
                start = text.lastIndexOf('\n', text.length() - 2) + 1;
                if (start > 0 || length == size) {
                    break;
                }
                if (window > Integer.MAX_VALUE / 2) {
                    throw damaged(file);
                }
                window *= 2;
            }
            String last = text.substring(start, text.length() - 1);
            Matcher m = TAIL.matcher(last);
            int cut = last.length() - (",\"hash\":\"".length() + 64 + 2);
            if (!m.matches() || cut < 0 || !AuditRecord.sha256(last.substring(0, cut) + "}")
                    .equals(m.group(2))) {
                throw damaged(file);
            }
            seq[0] = Long.parseLong(m.group(1));
            return m.group(2);
        }
    }

    private static AuditException damaged(Path file) {
        return new AuditException("audit log " + file + " ends with a damaged record; run"
                + " 'smimectl audit verify " + file + "' and keep the file as evidence");
    }
}
