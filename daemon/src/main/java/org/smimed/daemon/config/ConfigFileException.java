package org.smimed.daemon.config;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file the configuration names exists but cannot be used: a TLS certificate that is not
 * PEM, a private key that does not go with its certificate. A configuration problem, not a
 * listener one; the message names the config key, the path and the reason, as
 * {@link ConfigLoader} does: {@code tls.privateKey: /etc/smimed/server.key: not a PEM
 * private key}.
 */
public final class ConfigFileException extends IOException {
    public ConfigFileException(String configKey, Path file, String reason) {
        super(configKey + ": " + file + ": " + reason);
    }

    public ConfigFileException(String configKey, Path file, String reason, Throwable cause) {
        super(configKey + ": " + file + ": " + reason, cause);
    }
}
