package org.smimed.daemon.audit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The tamper-evident audit log: one JSON line per call, each carrying the hash of the one
 * before (see {@link AuditRecord}). Appends continue the chain of an existing file.
 *
 * <p>Guarantees: {@link #append} returns only after the line is in the operating system's
 * hands (one write call) and, when asked, on disk (fsync); a failed write marks the log
 * unhealthy, and it stays so, so that callers fail closed rather than go unrecorded.
 *
 * <p>Rotation: with a rotation size, a file that reaches it is synced and renamed to
 * {@code FILE.SEQ} (SEQ its last record, twelve digits, so names sort in chain order) and the
 * chain goes on in a new {@code FILE}: the next record's prev is the archived file's last
 * hash, so the files verify as one chain. A missing or empty {@code FILE} beside archives
 * (a crash between the rename and the next record) continues the newest archive's chain.
 */
public final class AuditLog implements AutoCloseable {
    /** DOTALL: older records may hold U+0085 or U+2028, which "." does not match. */
    private static final Pattern TAIL = Pattern.compile(
            "^\\{\"seq\":(\\d+),.*,\"hash\":\"([0-9a-f]{64})\"}$", Pattern.DOTALL);
    private static final int TAIL_BYTES = 64 * 1024;

    private static final Logger LOG = Logger.getLogger(AuditLog.class.getName());
    /** How often, at most, a record checks that the file is still the one being written. */
    private static final long CHECK_EVERY_NANOS = 100_000_000L;

    private final Path file;
    private final Clock clock;
    private final long rotateBytes;
    private final Consumer<Duration> writeTimes;
    private FileChannel channel;
    /** The identity (device and inode) of the file {@link #channel} writes; null if unknown. */
    private Object fileKey;
    private long checkedAt = System.nanoTime() - CHECK_EVERY_NANOS;
    private long size;
    private long rotateAt;
    private long seq;
    private String head;
    private volatile boolean healthy = true;
    /** Why the chain begins anew in this file, when it does with no archive before it. */
    private final Optional<String> newChain;
    private boolean closed;

    private AuditLog(Path file, FileChannel channel, Clock clock, long rotateBytes, long seq,
                     String head, Optional<String> newChain, Consumer<Duration> writeTimes)
            throws IOException {
        this.newChain = newChain;
        this.writeTimes = writeTimes;
        this.file = file;
        this.channel = channel;
        this.fileKey = fileKey(file);
        this.clock = clock;
        this.rotateBytes = rotateBytes;
        this.size = channel.size();
        this.rotateAt = rotateBytes;
        this.seq = seq;
        this.head = head;
    }

    /** Opens (or creates, owner-only) {@code file} and continues its chain; never rotated. */
    public static AuditLog open(Path file, Clock clock) throws AuditException {
        return open(file, clock, 0, took -> { });
    }

    /**
     * As {@link #open(Path, Clock)}, rotating at {@code rotateBytes} (0: never) and telling
     * {@code writeTimes} how long each append's write (and fsync) took — the audit log is on
     * every call's path, so operators watch it.
     */
    public static AuditLog open(Path file, Clock clock, long rotateBytes,
                                Consumer<Duration> writeTimes) throws AuditException {
        try {
            boolean existed = Files.exists(file);
            Optional<String> newChain = Optional.empty();
            if (!existed) {
                create(file);
            }
            long[] seq = {0};
            String head = lastRecord(file, seq);
            if (seq[0] == 0) {
                Optional<Path> archive = newestArchive(file);
                if (archive.isPresent()) {
                    head = lastRecord(archive.get(), seq);
                    LOG.info("audit log " + file + " is empty; its chain goes on from "
                            + archive.get() + " at record " + (seq[0] + 1));
                } else {
                    // Expected once; any other time someone removed the records, and only an
                    // anchor kept elsewhere shows it: the daemon says so once it serves (not
                    // before a start that fails for another reason, whose one line must stay
                    // one line).
                    newChain = Optional.of("audit log " + file + (existed ? " is empty"
                            : " did not exist") + ": a new chain begins at record 1. Expected"
                            + " on a first start; otherwise the log was removed or emptied —"
                            + " compare with the last head this daemon logged");
                }
            }
            return new AuditLog(file, append(file), clock, rotateBytes, seq[0], head, newChain,
                    writeTimes);
        } catch (IOException e) {
            throw new AuditException("cannot open audit log " + file + ": "
                    + e.getClass().getSimpleName(), e);
        }
    }

    /** {@code FILE.SEQ}: the archive whose last record is {@code seq}. */
    public static Path archiveOf(Path file, long seq) {
        return file.resolveSibling(file.getFileName() + "." + String.format("%012d", seq));
    }

    /** Appends one record; {@code sync} forces it to disk before returning. */
    public synchronized AuditRecord append(AuditEntry entry, boolean sync) throws AuditException {
        if (!healthy) {
            throw new AuditException("audit log " + file
                    + (closed ? " is closed" : " failed earlier; not writing"));
        }
        String gone = sync || System.nanoTime() - checkedAt >= CHECK_EVERY_NANOS
                ? whyNotInUse() : null;
        if (gone != null) {
            healthy = false;
            LOG.severe("audit log " + file + " " + gone + " while the daemon was writing it;"
                    + " refusing calls until restarted (the next records would have gone where"
                    + " no one can read them). Its last record was " + head() + ": compare the"
                    + " file with it, restore it if it was removed or edited, then restart");
            throw new AuditException("audit log " + file + " " + gone + "; not writing");
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
            tearOff();
            throw new AuditException("cannot write audit log " + file, e);
        }
        seq = record.seq();
        head = record.hash();
        size += bytes.limit();
        if (rotateBytes > 0 && size >= rotateAt) {
            rotate();
        }
        return record;
    }

    /**
     * Why the file under the log's name is no longer the one being written, or null: removed
     * ({@code rm}), replaced by another file (an editor's or {@code sed -i}'s save, a rename
     * by an outside rotation) or cut shorter ({@code copytruncate}, {@code > FILE}). Writing on
     * would put records into a file no one reads, or after a gap; so the log fails closed.
     * Checked before every officer record (synced) and otherwise at most every
     * {@link #CHECK_EVERY_NANOS}: the two stats cost about as much as the write itself, on the
     * path of every Sign and Decrypt (measured by a review: 2.7 µs an append without them,
     * 8 µs with), so records of the last tenth of a second may still go to a removed file.
     */
    private String whyNotInUse() {
        checkedAt = System.nanoTime();
        try {
            if (fileKey != null && !fileKey.equals(fileKey(file))) {
                return "was replaced by another file";
            }
            long now = channel.size();
            return now < size ? "was cut short (" + now + " bytes where " + size
                    + " were written)" : null;
        } catch (NoSuchFileException e) {
            return "was removed";
        } catch (IOException e) {
            return "cannot be checked (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + ")";
        }
    }

    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class)
                .fileKey();
    }

    /**
     * Cuts a record that was only partly written (a full disk or a file size limit lets the
     * first part of a write through) back off the file, so that it still ends with a whole
     * record: the call that wrote it was refused, and a torn last line would keep the daemon
     * from starting again. Shrinking a file needs no space; if even that fails, start-up
     * reports the damaged record (exit 5).
     */
    private void tearOff() {
        try {
            if (channel.size() > size) {
                channel.truncate(size);
                channel.force(false);
            }
        } catch (IOException e) {
            LOG.severe("audit log " + file + " may end with a partly written record: cutting it"
                    + " off failed (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + ")");
        }
    }

    /**
     * Renames the full file to its archive name and goes on in a new one. A rename that fails
     * leaves the records where they are and is tried again after another {@code rotateBytes};
     * a new file that cannot be created fails closed like a failed write.
     */
    private void rotate() {
        Path archive = archiveOf(file, seq);
        try {
            channel.force(true);
            Files.move(file, archive, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            rotateAt = size + rotateBytes;
            LOG.warning("cannot rotate audit log " + file + " to " + archive + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); still writing"
                    + " to " + file + " and trying again after " + rotateBytes + " more bytes");
            return;
        }
        try {
            channel.close();
            create(file);
            channel = append(file);
            fileKey = fileKey(file);
            size = 0;
            rotateAt = rotateBytes;
            LOG.info("audit log rotated: " + archive + " ends with record " + head()
                    + " (keep it as an anchor); " + file + " goes on at record " + (seq + 1));
        } catch (IOException e) {
            healthy = false;
            LOG.severe("audit log rotated to " + archive + " but no new " + file + " could be"
                    + " created (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); refusing calls until restarted");
        }
    }

    private static void create(Path file) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
    }

    private static FileChannel append(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /** The archive with the highest sequence number beside {@code file}, if any. */
    private static Optional<Path> newestArchive(Path file) throws IOException {
        Pattern name = Pattern.compile(Pattern.quote(file.getFileName().toString())
                + "\\.\\d{12}");
        try (Stream<Path> siblings = Files.list(file.toAbsolutePath().getParent())) {
            return siblings.filter(p -> name.matcher(p.getFileName().toString()).matches())
                    .max(Comparator.comparing(p -> p.getFileName().toString()));
        }
    }

    /**
     * Whether records can still be written. Not synchronized: every call asks before it starts
     * and must not wait behind an officer call's fsync.
     */
    public boolean healthy() {
        return healthy;
    }

    /**
     * Set when this file began a new chain at open, though no archive was beside it: what to
     * warn an operator of (expected on a first start only).
     */
    public Optional<String> newChain() {
        return newChain;
    }

    /** "SEQ:HASH" of the last record, an anchor to keep elsewhere (detects truncation). */
    public synchronized String head() {
        return seq + ":" + head;
    }

    @Override
    public synchronized void close() throws IOException {
        healthy = false;
        closed = true;
        channel.close();
    }

    /**
     * The hash of the file's last record (sets seq[0]), or GENESIS for an empty file. Reads
     * back from the end as far as the last record reaches (records written before values were
     * bounded can be long), and matches it whatever characters it holds.
     */
    private static String lastRecord(Path file, long[] seq) throws IOException, AuditException {
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
