package org.smimed.daemon.config;

/** The daemon's listeners, each with the config key that sets its address. */
public enum Listener {
    CLIENT("client gRPC", "listen"),
    ADMIN("admin gRPC", "admin.listen"),
    HEALTH("health", "operations.healthListen"),
    METRICS("metrics", "operations.metricsListen");

    private final String description;
    private final String configKey;

    Listener(String description, String configKey) {
        this.description = description;
        this.configKey = configKey;
    }

    /** What operators call it: "metrics", "admin gRPC". */
    public String description() {
        return description;
    }

    /** Where the config sets its address: "operations.metricsListen". */
    public String configKey() {
        return configKey;
    }
}
