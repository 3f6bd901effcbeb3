package org.smimed.daemon.keys;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.smimed.daemon.token.KeyObjects;
import org.smimed.daemon.token.MissingRecordException;
import org.smimed.daemon.token.TokenException;
import org.smimed.daemon.token.TokenInventory;

/**
 * Finishes or undoes what an interrupted officer operation left on the token, before the daemon
 * serves: leftovers (see {@link TokenReading}) are destroyed, and when a crash inside activate
 * left two ACTIVE versions of one identity doing one job (signing, decryption), the older
 * becomes DECRYPT_ONLY, and a version left with two state records keeps only the newer one. Returns
 * what it repaired, one {@link Repair} each, for the log and the audit log.
 */
final class StartupRepair {
    private StartupRepair() {
    }

    static List<Repair> run(VersionStore store) throws TokenException {
        List<Repair> done = new ArrayList<>();
        for (Leftover leftover : store.reading().leftovers()) {
            List<KeyObjects.ObjectClass> removed = new ArrayList<>();
            for (KeyObjects.ObjectClass c : leftover.classes()) {
                if (store.keyObjects.destroy(leftover.keyId(), c) > 0) {
                    removed.add(c);
                }
            }
            // Only this version's record: another daemon's of the same name may be beside it.
            boolean record = leftover.record() && store.keyObjects.destroyData(leftover.label(),
                    value -> leftover.keyId().equals(keyIdOf(value))) > 0;
            done.add(new Repair(leftover.label(), leftover.what(removed, record)));
        }
        rewriteDuplicateRecords(store, done);
        Map<String, List<TokenVersion>> active = store.versions().stream()
                .filter(v -> v.state() == KeyState.ACTIVE)
                .collect(Collectors.groupingBy(v -> v.record().identity()));
        for (List<TokenVersion> versions : active.values()) {
            if (versions.size() < 2 || versions.stream().allMatch(TokenVersion::legacy)) {
                continue; // several legacy keys: the newest certificate signs, as before
            }
            // Newest first: each keeps its jobs unless a newer ACTIVE version already does one.
            versions.sort(Comparator.comparing((TokenVersion v) -> v.record().updated())
                    .reversed());
            List<TokenVersion> kept = new ArrayList<>();
            for (TokenVersion v : versions) {
                Optional<TokenVersion> newer = kept.stream()
                        .filter(k -> k.record().usage().overlaps(v.record().usage()))
                        .findFirst();
                if (newer.isEmpty()) {
                    kept.add(v);
                    continue;
                }
                try {
                    store.save(v, KeyState.DECRYPT_ONLY);
                } catch (KeyStateException e) {
                    // Removed by another writer since the token was read: nothing to demote,
                    // and the token is read again below; say so rather than fail start-up.
                    done.add(new Repair(v.name(), "its state record was removed from the token"
                            + " while start-up read it; nothing to demote"));
                    continue;
                }
                done.add(new Repair(v.name(), "activate was interrupted; "
                        + newer.get().name() + " stays ACTIVE, this one is now DECRYPT_ONLY"));
            }
        }
        if (!done.isEmpty()) {
            store.reload();
        }
        return done;
    }

    /**
     * A crash inside a record update where the token refuses to change CKA_VALUE (SoftHSM2)
     * leaves the old and the new record side by side; the newer one already counts (see
     * {@link TokenReading}). Writing it once more replaces both with one.
     */
    /** The key id a state record names; "" for a value that is no record. */
    private static String keyIdOf(byte[] value) {
        try {
            return VersionRecord.decode(value).keyId();
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static void rewriteDuplicateRecords(VersionStore store, List<Repair> done)
            throws TokenException {
        Map<String, Long> records = new TokenInventory(store.token).read().data().stream()
                .collect(Collectors.groupingBy(TokenInventory.DataObject::label,
                        Collectors.counting()));
        for (TokenVersion v : store.versions()) {
            if (!v.legacy() && records.getOrDefault(v.name(), 0L) > 1) {
                try {
                    store.keyObjects.updateData(v.name(), v.record().encode());
                } catch (MissingRecordException e) {
                    done.add(new Repair(v.name(), "its records were removed from the token"
                            + " during the repair; nothing rewritten"));
                    continue;
                }
                done.add(new Repair(v.name(), "a state change was interrupted; "
                        + records.get(v.name()) + " records replaced by the newest ("
                        + v.state() + ")"));
            }
        }
    }
}
