package org.smimed.daemon.policy;

import java.util.Optional;

/** Officer operations that a deployment may put under dual control. */
public enum AdminAction {
    /**
     * Putting a certified version into service: with one officer alone, whoever imports a
     * certificate the configured roots accept could make a key of their choosing sign.
     */
    ACTIVATE("activate"),
    /**
     * Taking a version out of service for good (a DISABLED version can only be destroyed):
     * with one officer alone, whoever holds an officer certificate could end an archive key
     * that old mail needs (found by an officer trial).
     */
    DISABLE("disable"),
    DESTROY("destroy"),
    IMPORT_PKCS12("importPkcs12");

    private final String policyName;

    AdminAction(String policyName) {
        this.policyName = policyName;
    }

    /** The name used in the policy file. */
    public String policyName() {
        return policyName;
    }

    /** Every action's policy name, for messages: "activate, disable, destroy, importPkcs12". */
    public static String known() {
        return String.join(", ", java.util.Arrays.stream(values())
                .map(AdminAction::policyName).toList());
    }

    /** The action a policy file names, if any. */
    public static Optional<AdminAction> fromPolicyName(String name) {
        for (AdminAction a : values()) {
            if (a.policyName.equals(name)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
