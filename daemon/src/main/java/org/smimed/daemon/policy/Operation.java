package org.smimed.daemon.policy;

/** What a policy grants a caller on an identity. */
public enum Operation {
    SIGN("sign as"),
    DECRYPT("decrypt for");

    private final String phrase;

    Operation(String phrase) {
        this.phrase = phrase;
    }

    /** How the operation reads in a denial message: "may not sign as x". */
    public String phrase() {
        return phrase;
    }
}
