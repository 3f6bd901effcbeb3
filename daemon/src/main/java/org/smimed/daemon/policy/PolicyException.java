package org.smimed.daemon.policy;

import java.util.List;

/** The policy file is invalid; carries every problem found, one line each. */
public final class PolicyException extends Exception {
    private final List<String> problems;

    public PolicyException(List<String> problems) {
        super("invalid policy: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
