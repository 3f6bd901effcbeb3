package org.smimed.daemon.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.smimed.daemon.config.FileModes;

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
    private static final Logger LOG = Logger.getLogger(AuditLog.class.getName());
    /** How often, at most, a record checks that the file is still the one being written. */
    private static final long CHECK_EVERY_NANOS = 100_000_000L;
    /** Room an officer change needs before it runs: its record and the one after, twice over. */
    private static final long OFFICER_RESERVE_BYTES = 64 * 1024;

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
    /** Completed, for good, when the log stops taking records; health listens to it too. */
    private final CompletableFuture<Void> unhealthy = new CompletableFuture<>();
    /**
     * Why records may be missing before this file's first: a new chain with no archive before
     * it, or a missing file beside archives.
     */
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
            FileModes.warnIfNotPrivate("audit log", file).ifPresent(LOG::warning);
            FileModes.warnIfOthersMayReplace("the audit log's", file.toAbsolutePath().getParent())
                    .ifPresent(LOG::warning);
            long[] seq = {0};
            String head = AuditTail.lastRecord(file, seq);
            if (seq[0] == 0) {
                Optional<Path> archive = AuditTail.newestArchive(file);
                if (archive.isPresent() && existed) {
                    // Rotation leaves an empty file until the next record: the usual case.
                    head = AuditTail.lastRecord(archive.get(), seq);
                    LOG.info("audit log " + file + " is empty; its chain goes on from "
                            + archive.get() + " at record " + (seq[0] + 1));
                } else if (archive.isPresent()) {
                    // Only a crash between rotation's rename and create leaves no file; a file
                    // removed with its records looks the same (found by an auditor trial).
                    head = AuditTail.lastRecord(archive.get(), seq);
                    newChain = Optional.of("audit log " + file + " did not exist: its chain"
                            + " goes on from " + archive.get() + " at record " + (seq[0] + 1)
                            + ". Expected only after a crash while rotating; otherwise the file"
                            + " was removed with any records after " + seq[0] + " — compare"
                            + " with the last head this daemon logged");
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
            Optional<String> behind = AuditHeadFile.behind(file, seq[0], head);
            return new AuditLog(file, lockedForAppend(file), clock, rotateBytes, seq[0], head,
                    behind.isPresent() ? behind : newChain, writeTimes);
        } catch (IOException e) {
            throw AuditException.cannotOpen(file, e);
        }
    }

    /** {@code FILE.SEQ}: the archive whose last record is {@code seq}. */
    public static Path archiveOf(Path file, long seq) {
        return file.resolveSibling(file.getFileName() + "." + String.format("%012d", seq));
    }

    /** Appends one record; {@code sync} forces it to disk before returning. */
    public synchronized AuditRecord append(AuditEntry entry, boolean sync) throws AuditException {
        if (unhealthy.isDone()) {
            throw new AuditException("audit log " + file
                    + (closed ? " is closed" : " failed earlier; not writing"));
        }
        String gone = sync || System.nanoTime() - checkedAt >= CHECK_EVERY_NANOS
                ? whyNotInUse() : null;
        if (gone != null) {
            throw notInUse(gone);
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
            unhealthy.complete(null);
            tearOff();
            // One line that says it all, once: every later call is refused without a trace.
            LOG.severe("audit log " + file + " cannot be written (" + e.getClass().getSimpleName()
                    + ": " + e.getMessage() + "); refusing every call until restarted. Its last"
                    + " record is " + head() + "; free the space or fix the file system, then"
                    + " restart");
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
     * Before an officer call changes anything: checks that its record can be written, so that
     * an irreversible change (a destroy) is refused rather than made and left unrecorded
     * (found by an operator trial: a destroy ran, then its record failed). Fails closed, as a
     * write would, when the file was removed, replaced or cut short; refuses only this call
     * when the file system has less than {@link #OFFICER_RESERVE_BYTES} free.
     *
     * @throws AuditException why the call must not run
     */
    public synchronized void checkWritable() throws AuditException {
        if (unhealthy.isDone()) {
            throw new AuditException("audit log " + file
                    + (closed ? " is closed" : " failed earlier; not writing"));
        }
        String gone = whyNotInUse();
        if (gone != null) {
            throw notInUse(gone);
        }
        try {
            long free = Files.getFileStore(file).getUsableSpace();
            if (free < OFFICER_RESERVE_BYTES) {
                LOG.severe("audit log " + file + ": only " + free + " bytes free on its file"
                        + " system; officer calls (reads too) are refused until there is room"
                        + " to record them");
                throw new AuditException("audit log " + file + " has no room (" + free
                        + " bytes free)");
            }
        } catch (IOException e) {
            throw new AuditException("audit log " + file + ": cannot read free space ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    private AuditException notInUse(String gone) {
        unhealthy.complete(null);
        LOG.severe("audit log " + file + " " + gone + " while the daemon was writing it;"
                + " refusing calls until restarted (the next records would have gone where"
                + " no one can read them). Its last record was " + head() + ": compare the"
                + " file with it, restore it if it was removed or edited, then restart");
        return new AuditException("audit log " + file + " " + gone + "; not writing");
    }

    /**
     * Why the file under the log's name is no longer the one being written, or null: removed
     * ({@code rm}), replaced by another file (an editor's or {@code sed -i}'s save, a rename
     * by an outside rotation), cut shorter ({@code copytruncate}, {@code > FILE}) or written by
     * another process (an append, or {@code > FILE} with longer content). Writing on
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
            if (now > size) {
                // Only the daemon writes the file: more bytes than it wrote are someone else's
                // (an outside append, or 'cat other > FILE' with longer content, which keeps
                // the inode: found by an auditor trial).
                return "was written by another process (" + now + " bytes where " + size
                        + " were written)";
            }
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
            channel = lockedForAppend(file);
            fileKey = fileKey(file);
            size = 0;
            rotateAt = rotateBytes;
            LOG.info("audit log rotated: " + archive + " ends with record " + head()
                    + " (keep it as an anchor); " + file + " goes on at record " + (seq + 1));
            AuditHeadFile.write(file, head());
        } catch (IOException | AuditException e) {
            unhealthy.complete(null);
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

    /**
     * Opens {@code file} for appending under an exclusive lock, held until the channel
     * closes: two daemons given one audit file would each chain from the same head, and the
     * file would hold two interleaved chains that verify as tampered (found by an operator
     * trial; nothing warned). The lock is advisory and local (not every network file system
     * honours it), so each replica's own file remains the rule.
     */
    private static FileChannel lockedForAppend(Path file) throws IOException, AuditException {
        FileChannel channel = append(file);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            // Held by this very process. The channel stays open: closing any descriptor of
            // the file drops the process's POSIX locks on it, the other holder's included.
            throw new AuditException("audit log " + file + " is in use by another smimed in"
                    + " this process: give each daemon an audit file of its own");
        } catch (IOException e) {
            // A file system without locks (NFS without lockd): best effort, as documented.
            LOG.warning("audit log " + file + " cannot be locked (" + e.getMessage() + "):"
                    + " make sure no other daemon writes it");
            return channel;
        }
        if (lock == null) {
            channel.close();
            throw new AuditException("audit log " + file + " is in use by another smimed (or"
                    + " another process holds its lock): give each daemon an audit file of its"
                    + " own");
        }
        return channel;
    }

    /**
     * Whether records can still be written. Not synchronized: every call asks before it starts
     * and must not wait behind an officer call's fsync.
     */
    public boolean healthy() {
        return !unhealthy.isDone();
    }

    /** Completes, on the thread that found it, when the log stops taking records. */
    public CompletionStage<Void> unhealthy() {
        return unhealthy.minimalCompletionStage();
    }

    /**
     * Set when records may be missing before this file's first: it began a new chain with no
     * archive beside it (expected on a first start only), or it did not exist beside archives
     * (expected only after a crash while rotating). What to warn an operator of.
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
        unhealthy.complete(null);
        closed = true;
        channel.close();
        AuditHeadFile.write(file, head());
    }
}
