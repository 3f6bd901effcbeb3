package org.smimed.daemon.config;

import java.util.List;

/** The configuration is invalid; carries every problem found, not just the first. */
public final class ConfigException extends Exception {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super("invalid configuration: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per problem, each naming the offending key. */
    public List<String> problems() {
        return problems;
    }
}
