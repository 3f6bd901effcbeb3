package org.smimed.daemon.keys;

import java.util.List;
import org.smimed.daemon.token.KeyObjects;

/**
 * Token objects an interrupted operation left behind, which the daemon never uses and
 * start-up removes.
 *
 * @param keyId   CKA_ID of the objects
 * @param label   their CKA_LABEL, for the log
 * @param classes which object classes with that CKA_ID to destroy
 * @param record  whether the state record (labelled {@code label}) goes too
 * @param reason  why they are leftovers, for the log
 */
public record Leftover(String keyId, String label, List<KeyObjects.ObjectClass> classes,
                       boolean record, String reason) {
    public Leftover {
        classes = List.copyOf(classes);
    }

    /**
     * What start-up found and what it {@code removed} of it, for {@link Repair}: only what was
     * there, since an auditor reads this line (and its audit record hashes it), and how far an
     * interrupted operation got decides what is left.
     */
    public String what(List<KeyObjects.ObjectClass> removed, boolean recordRemoved) {
        List<String> parts = new java.util.ArrayList<>();
        if (!removed.isEmpty()) {
            parts.add(removed.toString());
        }
        if (recordRemoved) {
            parts.add("the record");
        }
        return reason + "; " + (parts.isEmpty() ? "nothing of it was left to remove"
                : "removed " + String.join(" and ", parts));
    }
}
