package org.smimed.daemon.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The chain head an audit log had when its daemon last stopped or rotated it, kept beside it
 * as {@code .FILE.head} (hidden, so {@code smimectl audit verify FILE.*} never reads it). Why:
 * start-up reads only the file's last record, so an older copy of the file put back (a
 * restore, an operator's slip) was continued in silence, its chain forked from the missing
 * records (found by a fault trial). Whoever may write the directory can change this file too,
 * so it is no defence against tampering — anchors kept elsewhere are — but it names the gap.
 */
final class AuditHeadFile {
    private static final Logger LOG = Logger.getLogger(AuditHeadFile.class.getName());

    private AuditHeadFile() {
    }

    static Path of(Path log) {
        return log.resolveSibling("." + log.getFileName() + ".head");
    }

    /** Saves {@code head} ("SEQ:HASH") for the next start; a failure is only logged. */
    static void write(Path log, String head) {
        Path target = of(log);
        Path written = target.resolveSibling(target.getFileName() + ".new");
        try {
            Files.writeString(written, head + "\n", StandardCharsets.US_ASCII);
            Files.move(written, target, StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warning("cannot write " + target + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "): an older copy of " + log + " put back before the"
                    + " next start will not be noticed by it");
        }
    }

    /**
     * Why {@code log}, whose last record is {@code seq} with hash {@code hash}, is behind what
     * its daemon last saved, if it is.
     */
    static Optional<String> behind(Path log, long seq, String hash) {
        String saved;
        try {
            saved = Files.isRegularFile(of(log))
                    ? Files.readString(of(log), StandardCharsets.US_ASCII).strip() : "";
        } catch (IOException e) {
            return Optional.empty();
        }
        int colon = saved.indexOf(':');
        long savedSeq;
        try {
            savedSeq = Long.parseLong(saved.substring(0, Math.max(colon, 0)));
        } catch (NumberFormatException e) {
            return Optional.empty(); // none saved, or not ours to read
        }
        if (savedSeq < seq || savedSeq == seq && saved.substring(colon + 1).equals(hash)) {
            return Optional.empty();
        }
        return Optional.of("audit log " + log + " ends at record " + seq + ", but held record "
                + saved + " when this daemon last stopped or rotated it (" + of(log) + "): it"
                + " is an older copy put back, or was cut short, and the chain goes on from"
                + " record " + seq + " without what came after. Keep both files as evidence"
                + " and compare with the anchors you kept");
    }
}
