package org.smimed.daemon.audit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tamper-evident audit log: one JSON line per call, each carrying the hash of the one
 * before (see {@link AuditRecord}). Appends continue the chain of an existing file.
 *
 * <p>Guarantees: {@link #append} returns only after the line is in the operating system's
 * hands (one write call) and, when asked, on disk (fsync); a failed write marks the log
 * unhealthy, and it stays so, so that callers fail closed rather than go unrecorded.
 */
public final class AuditLog implements AutoCloseable {
    private static final Pattern TAIL = Pattern.compile(
            "^\\{\"seq\":(\\d+),.*,\"hash\":\"([0-9a-f]{64})\"}$");
    private static final int TAIL_BYTES = 64 * 1024;

    private final Path file;
    private final FileChannel channel;
    private final Clock clock;
    private long seq;
    private String head;
    private final Consumer<Duration> writeTimes;
    private volatile boolean healthy = true;

    private AuditLog(Path file, FileChannel channel, Clock clock, long seq, String head,
                     Consumer<Duration> writeTimes) {
        this.writeTimes = writeTimes;
        this.file = file;
        this.channel = channel;
        this.clock = clock;
        this.seq = seq;
        this.head = head;
    }

    /** Opens (or creates, owner-only) {@code file} and continues its chain. */
    public static AuditLog open(Path file, Clock clock) throws AuditException {
        return open(file, clock, took -> { });
    }

    /**
     * As {@link #open(Path, Clock)}, telling {@code writeTimes} how long each append's write
     * (and fsync) took — the audit log is on every call's path, so operators watch it.
     */
    public static AuditLog open(Path file, Clock clock, Consumer<Duration> writeTimes)
            throws AuditException {
        try {
            if (!Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
            }
            long[] seq = {0};
            String head = lastRecord(file, seq);
            FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            return new AuditLog(file, channel, clock, seq[0], head, writeTimes);
        } catch (IOException e) {
            throw new AuditException("cannot open audit log " + file + ": "
                    + e.getClass().getSimpleName(), e);
        }
    }

    /** Appends one record; {@code sync} forces it to disk before returning. */
    public synchronized AuditRecord append(AuditEntry entry, boolean sync) throws AuditException {
        if (!healthy) {
            throw new AuditException("audit log " + file + " failed earlier; not writing");
        }
        AuditRecord record = AuditRecord.next(seq + 1, clock.instant(), entry, head);
        ByteBuffer bytes = ByteBuffer.wrap((record.line() + "\n")
                .getBytes(StandardCharsets.UTF_8));
        long start = System.nanoTime();
        try {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            if (sync) {
                channel.force(false);
            }
            writeTimes.accept(Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            healthy = false;
            throw new AuditException("cannot write audit log " + file, e);
        }
        seq = record.seq();
        head = record.hash();
        return record;
    }

    /** Whether records can still be written. */
    public boolean healthy() {
        return healthy && channel.isOpen();
    }

    /** "SEQ:HASH" of the last record, an anchor to keep elsewhere (detects truncation). */
    public synchronized String head() {
        return seq + ":" + head;
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }

    /** The hash of the file's last record (sets seq[0]), or GENESIS for an empty file. */
    private static String lastRecord(Path file, long[] seq) throws IOException, AuditException {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long size = in.length();
            if (size == 0) {
                return AuditRecord.GENESIS;
            }
            int length = (int) Math.min(size, TAIL_BYTES);
            byte[] tail = new byte[length];
            in.seek(size - length);
            in.readFully(tail);
            String text = new String(tail, StandardCharsets.UTF_8);
            if (!text.endsWith("\n")) {
                throw damaged(file);
            }
            String last = text.substring(text.lastIndexOf('\n', text.length() - 2) + 1,
                    text.length() - 1);
            Matcher m = TAIL.matcher(last);
            int cut = last.length() - (",\"hash\":\"".length() + 64 + 2);
            if (!m.matches() || !AuditRecord.sha256(last.substring(0, cut) + "}")
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
