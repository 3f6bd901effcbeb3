package org.smimed.daemon.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.smimed.daemon.cms.ContentCipher;
import org.smimed.daemon.cms.MessageLimits;

/**
 * The daemon's whole configuration, validated: every value here has passed {@link ConfigLoader}.
 *
 * <p>Security guarantee: holds no secret. The token PIN is named by its {@link PinSource}, and
 * read only when the token logs in.
 */
public record DaemonConfig(Listen listen, Optional<Tls> tls, TokenSettings token, Limits limits,
                           Decryption decryption, Operations operations, Access access,
                           Optional<Admin> admin) {

    /**
     * What decryption accepts: the content-encryption algorithms allowed
     * ({@code decryption.contentAlgorithms}; by default every non-legacy one).
     */
    public record Decryption(Set<ContentCipher> contentAlgorithms) {
        public Decryption {
            contentAlgorithms = Set.copyOf(contentAlgorithms);
        }
    }

    /**
     * The separate listener of the key administration service; absent: no admin listener.
     *
     * @param tls              its own TLS certificate and key, else the server's ({@code tls})
     * @param certificateRoots a PEM file of the CA certificates (roots or issuing CAs) an
     *                         imported S/MIME certificate must chain to; absent: any root the
     *                         officer's chain ends at
     */
    public record Admin(Listen listen, Optional<Tls> tls, Optional<Path> certificateRoots) {}

    /** Where the gRPC server listens. Port 0 picks a free port (tests). */
    public record Listen(String address, int port) {
        public InetSocketAddress socketAddress() {
            return new InetSocketAddress(address, port);
        }
    }

    /**
     * The server's TLS certificate chain and private key (PEM files), the CA certificates that
     * issue client certificates (empty only with development.anonymousCallers), their CRLs
     * (optional), and the lowest TLS version accepted.
     */
    public record Tls(Path certificateChain, Path privateKey, Optional<Path> clientCaCertificates,
                      Optional<Path> clientCrls, TlsVersion minVersion) {}

    /** TLS protocol versions the listener may accept at least. */
    public enum TlsVersion {
        TLS_1_2("TLSv1.2"), TLS_1_3("TLSv1.3");

        private final String protocol;

        TlsVersion(String protocol) {
            this.protocol = protocol;
        }

        /** The JSSE protocol name. */
        public String protocol() {
            return protocol;
        }
    }

    /**
     * Who may do what, and where it is recorded: the policy file, the audit log file, and
     * whether callers without a client certificate are served as the anonymous caller
     * (development only).
     *
     * @param auditRotateBytes the size at which the audit log is rotated (its chain goes on in
     *                         a new file), or 0 to let it grow
     * @param auditAnchorMinutes how often the daemon logs the audit log's head as an anchor
     *                           while it runs (when it moved), or 0 for only at start,
     *                           shutdown and rotation
     */
    public record Access(Path policyFile, Path auditFile, int auditRotateBytes,
                         int auditAnchorMinutes, boolean anonymousCallers) {
        /** The default anchor interval: an hour. */
        public static final int DEFAULT_ANCHOR_MINUTES = 60;

        /** Never rotated; anchors hourly. */
        public Access(Path policyFile, Path auditFile, boolean anonymousCallers) {
            this(policyFile, auditFile, 0, DEFAULT_ANCHOR_MINUTES, anonymousCallers);
        }
    }

    /**
     * Which PKCS#11 library and token, and how to log in. The token is chosen by label because
     * SoftHSM2 (and many HSMs) assign a new slot id on every initialisation.
     */
    public record TokenSettings(Path library, String label, PinSource pin) {}

    /**
     * Limits on what one request, one caller and all callers together may cost the daemon
     * (README "Configuration", {@code limits:}). Every refusal names the key it hit.
     *
     * @param maxMessageBytes           largest content to sign or message to decrypt
     * @param maxRecipients             most RecipientInfos one message may carry
     * @param maxAsn1Depth              deepest nesting of ASN.1 constructed encodings
     * @param maxIndefiniteLengths      most BER indefinite-length encodings in one message
     * @param maxInFlightBytesPerCaller most request bytes (Decrypt, DecryptMessage, SignStream,
     *                                  Sign content) one caller may have buffered at once
     * @param maxInFlightBytes          most such bytes all callers together may have buffered
     * @param streamIdle                longest pause between two Decrypt or SignStream chunks;
     *                                  also the longest a DecryptMessage's request may take to
     *                                  arrive whole
     * @param maxDecryptDuration        longest a Decrypt or SignStream stream may take to arrive
     * @param connectionIdle            a connection without calls for this long is closed
     * @param maxStreams                most Decrypt and SignStream calls with a worker thread of
     *                                  their own at once, all callers together
     */
    public record Limits(int maxMessageBytes, int maxRecipients, int maxAsn1Depth,
                         int maxIndefiniteLengths, long maxInFlightBytesPerCaller,
                         long maxInFlightBytes, Duration streamIdle, Duration maxDecryptDuration,
                         Duration connectionIdle, int maxStreams) {
        public static final int DEFAULT_MAX_RECIPIENTS = MessageLimits.DEFAULTS.maxRecipients();
        public static final int DEFAULT_MAX_ASN1_DEPTH = MessageLimits.DEFAULTS.maxAsn1Depth();
        public static final int DEFAULT_MAX_INDEFINITE_LENGTHS =
                MessageLimits.DEFAULTS.maxIndefiniteLengths();
        public static final Duration DEFAULT_STREAM_IDLE = Duration.ofSeconds(30);
        public static final Duration DEFAULT_MAX_DECRYPT_DURATION = Duration.ofMinutes(5);
        public static final Duration DEFAULT_CONNECTION_IDLE = Duration.ofMinutes(5);
        /** Threads are cheap but not free: 1,024 idle streams cost about 1 GiB of address space. */
        public static final int DEFAULT_MAX_STREAMS = 1024;

        /** The defaults for everything but the message size (see README for each). */
        public Limits(int maxMessageBytes) {
            this(maxMessageBytes, DEFAULT_MAX_RECIPIENTS, DEFAULT_MAX_ASN1_DEPTH,
                    DEFAULT_MAX_INDEFINITE_LENGTHS, 4L * maxMessageBytes, 8L * maxMessageBytes,
                    DEFAULT_STREAM_IDLE, DEFAULT_MAX_DECRYPT_DURATION, DEFAULT_CONNECTION_IDLE,
                    DEFAULT_MAX_STREAMS);
        }
    }

    /**
     * How operators watch and stop the daemon.
     *
     * @param healthListen   optional plaintext listener serving only grpc.health.v1, for
     *                       orchestrators whose probes cannot do TLS (Kubernetes gRPC probes)
     * @param probeInterval  how often the token is probed for health
     * @param metricsListen  optional HTTP listener serving Prometheus metrics at /metrics
     * @param reflection     whether the client listener offers gRPC server reflection
     * @param drain          how long in-flight calls may take to finish on shutdown
     * @param expiryWarnDays certificates expiring within this many days are logged and exported
     * @param tlsCheck       how often the TLS server certificate files are looked at for a
     *                       renewal (SIGHUP looks at once)
     */
    public record Operations(Optional<Listen> healthListen, Duration probeInterval,
                             Optional<Listen> metricsListen, boolean reflection, Duration drain,
                             int expiryWarnDays, int workerThreads, Duration tlsCheck) {
        /**
         * Defaults: no extra listeners, probe every 5 s, 20 s drain, warn 30 days ahead,
         * {@link #defaultWorkerThreads()} call handlers, TLS files looked at every minute.
         */
        public static Operations defaults() {
            return new Operations(Optional.empty(), Duration.ofSeconds(5), Optional.empty(),
                    false, Duration.ofSeconds(20), 30, defaultWorkerThreads(),
                    Duration.ofMinutes(1));
        }

        /**
         * Four call handlers per core: a handler holds its thread (and one token session)
         * while the token works, and a hardware or network HSM keeps handlers waiting, so a
         * few per core keep it busy. A CPU-bound software token (SoftHSM2) computes in the
         * handlers themselves and does best with one per core (docs/performance.md); the demo
         * deployment sets that.
         */
        public static int defaultWorkerThreads() {
            return 4 * Runtime.getRuntime().availableProcessors();
        }
    }
}
