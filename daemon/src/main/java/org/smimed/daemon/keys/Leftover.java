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

    /** What start-up found and removed, for {@link Repair}. */
    public String what() {
        return reason + "; removed " + classes + (record ? " and the record" : "");
    }

    @Override
    public String toString() {
        return label + ": " + what();
    }
}
