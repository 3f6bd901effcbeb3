package org.smimed.daemon.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The daemon's whole configuration, validated: every value here has passed {@link ConfigLoader}.
 *
 * <p>Security guarantee: holds no secret. The token PIN is named by its {@link PinSource}, and
 * read only when the token logs in.
 */
public record DaemonConfig(Listen listen, Optional<Tls> tls, TokenSettings token, Limits limits,
                           boolean developmentPlaintext, Optional<Admin> admin) {

    /**
     * The separate listener of the key administration service; absent: no admin listener.
     *
     * @param tls its own TLS certificate and key, else the server's ({@code tls})
     */
    public record Admin(Listen listen, Optional<Tls> tls) {}

    /** Where the gRPC server listens. Port 0 picks a free port (tests). */
    public record Listen(String address, int port) {
        public InetSocketAddress socketAddress() {
            return new InetSocketAddress(address, port);
        }
    }

    /** The server's TLS certificate chain and private key, both PEM files. */
    public record Tls(Path certificateChain, Path privateKey) {}

    /**
     * Which PKCS#11 library and token, and how to log in. The token is chosen by label because
     * SoftHSM2 (and many HSMs) assign a new slot id on every initialisation.
     */
    public record TokenSettings(Path library, String label, PinSource pin) {}

    /** Size limits on requests. */
    public record Limits(int maxMessageBytes) {}
}
