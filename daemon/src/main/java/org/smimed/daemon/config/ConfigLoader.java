package org.smimed.daemon.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.smimed.daemon.cms.ContentCipher;

/**
 * Reads the YAML configuration file and validates it as a whole, so an operator sees every
 * mistake at once instead of fixing them one restart at a time.
 *
 * <p>Relative paths in the file are resolved against the file's own directory.
 */
public final class ConfigLoader {
    static final int DEFAULT_PORT = 8443;
    static final int DEFAULT_ADMIN_PORT = 8444;
    static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private final ObjectMapper yaml = StrictYaml.mapper();

    /** Loads and validates {@code file}. */
    public DaemonConfig load(Path file) throws ConfigException {
        JsonNode root;
        try {
            root = yaml.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new ConfigException(List.of(file + ": " + StrictYaml.describe(e)));
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of("cannot read config file " + file
                    + ": no such file"));
        } catch (AccessDeniedException e) {
            throw new ConfigException(List.of("cannot read config file " + file
                    + ": permission denied"));
        } catch (java.nio.charset.CharacterCodingException e) {
            // The JDK said only "Input length = 1" (an operator trial).
            throw new ConfigException(List.of("cannot read config file " + file
                    + ": it is not UTF-8 text (YAML is; a binary file, or a config saved in"
                    + " another encoding?)"));
        } catch (IOException e) {
            // Also a directory.
            throw new ConfigException(List.of("cannot read config file " + file + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(List.of(file + ": expected a YAML mapping at the top"));
        }
        Path base = file.toAbsolutePath().getParent();
        return new Reader(base).read(root);
    }

    /** Walks the tree once, collecting problems instead of stopping at the first. */
    private static final class Reader {
        private final Path base;
        private final List<String> problems = new ArrayList<>();
        private final Fields fields;

        Reader(Path base) {
            this.base = base;
            this.fields = new Fields(base, problems);
        }

        DaemonConfig read(JsonNode root) throws ConfigException {
            fields.allowOnly(root, "", Set.of("listen", "tls", "token", "limits", "development",
                    "decryption", "operations", "policy", "audit", "admin"));
            JsonNode listenNode = fields.section(root, "listen");
            JsonNode tlsNode = root.get("tls");
            JsonNode tokenNode = fields.section(root, "token");
            JsonNode limitsNode = fields.section(root, "limits");
            JsonNode devNode = fields.section(root, "development");

            fields.allowOnly(listenNode, "listen.", Set.of("address", "port"));
            var listen = new DaemonConfig.Listen(
                    fields.address(listenNode, "listen.address", "address", "127.0.0.1"),
                    fields.integer(listenNode, "listen.port", "port", DEFAULT_PORT, 0, 65535));

            fields.allowOnly(devNode, "development.", Set.of("plaintext", "anonymousCallers"));
            boolean plaintext = fields.bool(devNode, "development.plaintext", "plaintext", false);
            boolean anonymous = fields.bool(devNode, "development.anonymousCallers",
                    "anonymousCallers", false) || plaintext;
            Optional<DaemonConfig.Tls> tls = readTls(tlsNode, plaintext, anonymous);
            DaemonConfig.Access access = new AccessReader(base, problems).read(
                    fields.section(root, "policy"), fields.section(root, "audit"), anonymous);

            fields.allowOnly(tokenNode, "token.", Set.of("library", "label", "pin"));
            var token = new DaemonConfig.TokenSettings(
                    fields.existingFile(tokenNode, "token.library", "library"),
                    fields.required(tokenNode, "token.label", "label"),
                    readPin(tokenNode.path("pin")));

            var limits = readLimits(limitsNode);

            JsonNode decryptionNode = fields.section(root, "decryption");
            fields.allowOnly(decryptionNode, "decryption.", Set.of("contentAlgorithms"));
            var decryption = new DaemonConfig.Decryption(
                    contentAlgorithms(decryptionNode.path("contentAlgorithms")));

            DaemonConfig.Operations operations = new OperationsReader(fields, problems)
                    .read(fields.section(root, "operations"), listen);
            Optional<DaemonConfig.Admin> admin = readAdmin(root.get("admin"), listen, plaintext,
                    tls);
            distinctPorts(admin, operations);
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            // No TLS is development.plaintext: readTls refuses a config with neither.
            return new DaemonConfig(listen, tls, token, limits, decryption, operations, access,
                    admin);
        }

        /**
         * The admin, health and metrics listeners on ports of their own (each is checked
         * against the client listener where it is read): two on one port passed the check and
         * failed only at start-up, as "port in use" (exit 7), which a service manager retries
         * for ever (found by a review of the README against the code).
         */
        private void distinctPorts(Optional<DaemonConfig.Admin> admin,
                                   DaemonConfig.Operations operations) {
            Map<String, Optional<DaemonConfig.Listen>> listeners = new LinkedHashMap<>();
            listeners.put("admin.listen.port", admin.map(DaemonConfig.Admin::listen));
            listeners.put("operations.healthListen.port", operations.healthListen());
            listeners.put("operations.metricsListen.port", operations.metricsListen());
            Map<Integer, String> taken = new HashMap<>();
            listeners.forEach((path, listen) -> listen.filter(l -> l.port() != 0).ifPresent(l -> {
                String other = taken.putIfAbsent(l.port(), path);
                if (other != null) {
                    problems.add(path + ": " + l.port() + " is also " + other
                            + "; every listener needs a port of its own");
                }
            }));
        }

        /** The admin listener: its own port, and its own TLS or the server's. */
        private Optional<DaemonConfig.Admin> readAdmin(JsonNode node, DaemonConfig.Listen client,
                                                       boolean plaintext,
                                                       Optional<DaemonConfig.Tls> server) {
            if (node == null || node.isNull()) {
                return Optional.empty();
            }
            if (!node.isObject()) {
                problems.add("admin: expected a mapping");
                return Optional.empty();
            }
            fields.allowOnly(node, "admin.", Set.of("listen", "tls", "certificateRoots"));
            // Which CAs may certify an identity: without it, one officer can attach a
            // certificate from any CA they made (found by an outside trial).
            Optional<Path> roots = node.has("certificateRoots")
                    ? Optional.ofNullable(fields.checkedFile(node, "admin.certificateRoots",
                            "certificateRoots", PemFiles::caCertificates))
                    : Optional.empty();
            JsonNode listenNode = fields.section(node, "listen", "admin.listen");
            fields.allowOnly(listenNode, "admin.listen.", Set.of("address", "port"));
            var listen = new DaemonConfig.Listen(
                    fields.address(listenNode, "admin.listen.address", "address", "127.0.0.1"),
                    fields.integer(listenNode, "admin.listen.port", "port", DEFAULT_ADMIN_PORT, 0,
                            65535));
            if (listen.port() != 0 && listen.port() == client.port()) {
                problems.add("admin.listen.port: must differ from listen.port; clients must"
                        + " never reach the admin service");
            }
            JsonNode tlsNode = node.get("tls");
            if (tlsNode == null || tlsNode.isNull()) {
                return Optional.of(new DaemonConfig.Admin(listen, Optional.empty(), roots));
            }
            if (plaintext) {
                problems.add("admin.tls and development.plaintext: choose one");
            }
            fields.allowOnly(tlsNode, "admin.tls.", Set.of("certificateChain", "privateKey"));
            // Its own server certificate; callers are verified exactly as on the client port.
            ServerFiles files = serverFiles(tlsNode, "admin.tls.");
            return Optional.of(new DaemonConfig.Admin(listen, Optional.of(new DaemonConfig.Tls(
                    files.chain(), files.key(),
                    server.flatMap(DaemonConfig.Tls::clientCaCertificates),
                    server.flatMap(DaemonConfig.Tls::clientCrls),
                    server.map(DaemonConfig.Tls::minVersion)
                            .orElse(DaemonConfig.TlsVersion.TLS_1_3))), roots));
        }

        private DaemonConfig.Limits readLimits(JsonNode node) {
            fields.allowOnly(node, "limits.", Set.of("maxMessageBytes", "maxRecipients",
                    "maxAsn1Depth",
                    "maxIndefiniteLengths", "maxInFlightBytesPerCaller", "maxInFlightBytes",
                    "streamIdleSeconds", "maxDecryptSeconds", "connectionIdleSeconds",
                    "maxStreams"));
            int size = fields.integer(node, "limits.maxMessageBytes", "maxMessageBytes",
                    DEFAULT_MAX_MESSAGE_BYTES, 1024, Integer.MAX_VALUE - 1024);
            var d = new DaemonConfig.Limits(size);
            return new DaemonConfig.Limits(size,
                    fields.integer(node, "limits.maxRecipients", "maxRecipients",
                            d.maxRecipients(), 1,
                            100_000),
                    fields.integer(node, "limits.maxAsn1Depth", "maxAsn1Depth",
                            d.maxAsn1Depth(), 8, 1000),
                    fields.integer(node, "limits.maxIndefiniteLengths", "maxIndefiniteLengths",
                            d.maxIndefiniteLengths(), 0, 1_000_000),
                    bytes(node, "maxInFlightBytesPerCaller", d.maxInFlightBytesPerCaller()),
                    bytes(node, "maxInFlightBytes", d.maxInFlightBytes()),
                    seconds(node, "streamIdleSeconds", d.streamIdle(), 3600),
                    seconds(node, "maxDecryptSeconds", d.maxDecryptDuration(), 86_400),
                    seconds(node, "connectionIdleSeconds", d.connectionIdle(), 86_400),
                    fields.integer(node, "limits.maxStreams", "maxStreams", d.maxStreams(), 1,
                            100_000));
        }

        /** A byte count given in bytes (at least 1024); may exceed an int. */
        private long bytes(JsonNode node, String field, long fallback) {
            JsonNode value = node.path(field);
            if (value.isMissingNode() || value.isNull()) {
                return fallback;
            }
            if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 1024) {
                problems.add("limits." + field + ": expected a byte count of at least 1024, got "
                        + value);
                return fallback;
            }
            return value.asLong();
        }

        private java.time.Duration seconds(JsonNode node, String field, java.time.Duration fallback,
                                           int max) {
            return java.time.Duration.ofSeconds(fields.integer(node, "limits." + field, field,
                    (int) fallback.toSeconds(), 1, max));
        }

        private Set<ContentCipher> contentAlgorithms(JsonNode node) {
            if (node.isMissingNode() || node.isNull()) {
                return ContentCipher.defaults();
            }
            String known = Arrays.stream(ContentCipher.values()).map(ContentCipher::configName)
                    .collect(Collectors.joining(", "));
            if (!node.isArray() || node.isEmpty()) {
                problems.add("decryption.contentAlgorithms: expected a non-empty list of: "
                        + known);
                return ContentCipher.defaults();
            }
            Set<ContentCipher> chosen = EnumSet.noneOf(ContentCipher.class);
            for (JsonNode item : node) {
                ContentCipher.byConfigName(item.asText()).ifPresentOrElse(chosen::add,
                        () -> problems.add("decryption.contentAlgorithms: unknown algorithm '"
                                + item.asText() + "' (known: " + known + ")"));
            }
            return chosen;
        }

        private Optional<DaemonConfig.Tls> readTls(JsonNode node, boolean plaintext,
                                                   boolean anonymous) {
            if (node == null || node.isNull()) {
                if (!plaintext) {
                    problems.add("tls: required (tls.certificateChain and tls.privateKey);"
                            + " a plaintext listener needs development.plaintext: true");
                }
                return Optional.empty();
            }
            if (plaintext) {
                problems.add("tls and development.plaintext: choose one");
            }
            fields.allowOnly(node, "tls.", Set.of("certificateChain", "privateKey",
                    "clientCaCertificates", "clientCrls", "minVersion"));
            Optional<Path> clientCas = Optional.empty();
            if (node.has("clientCaCertificates") || !anonymous) {
                clientCas = Optional.ofNullable(fields.checkedFile(node,
                        "tls.clientCaCertificates", "clientCaCertificates",
                        PemFiles::caCertificates));
            }
            Optional<Path> crls = Optional.empty();
            if (node.has("clientCrls")) {
                if (!node.has("clientCaCertificates")) {
                    problems.add("tls.clientCrls: needs tls.clientCaCertificates, whose"
                            + " certificates it revokes");
                }
                crls = Optional.ofNullable(fields.checkedFile(node, "tls.clientCrls",
                        "clientCrls", PemFiles::crls));
            }
            ServerFiles server = serverFiles(node, "tls.");
            return Optional.of(new DaemonConfig.Tls(server.chain(), server.key(), clientCas,
                    crls, tlsVersion(node)));
        }

        private record ServerFiles(Path chain, Path key) {}

        /**
         * A server certificate chain and its private key under {@code prefix} ("tls.",
         * "admin.tls."): each a PEM file of its kind, and the key that of the certificate.
         */
        private ServerFiles serverFiles(JsonNode node, String prefix) {
            int before = problems.size();
            Path chain = fields.checkedFile(node, prefix + "certificateChain", "certificateChain",
                    PemFiles::certificates);
            Path key = fields.checkedFile(node, prefix + "privateKey", "privateKey",
                    PemFiles::privateKey);
            if (problems.size() == before) {
                try {
                    PemFiles.requireMatchingKey(prefix + "certificateChain", chain,
                            prefix + "privateKey", key);
                } catch (ConfigFileException e) {
                    problems.add(e.getMessage());
                }
            }
            return new ServerFiles(chain, key);
        }

        private DaemonConfig.TlsVersion tlsVersion(JsonNode node) {
            JsonNode value = node.path("minVersion");
            // Accept 1.3 and "1.3" alike: YAML reads an unquoted 1.3 as a number.
            String version = value.isMissingNode() || value.isNull() ? "1.3" : value.asText();
            switch (version) {
                case "1.2" -> {
                    return DaemonConfig.TlsVersion.TLS_1_2;
                }
                case "1.3" -> {
                    return DaemonConfig.TlsVersion.TLS_1_3;
                }
                default -> {
                    problems.add("tls.minVersion: expected \"1.2\" or \"1.3\", got " + version);
                    return DaemonConfig.TlsVersion.TLS_1_3;
                }
            }
        }

        private PinSource readPin(JsonNode node) {
            if (node.isMissingNode() || node.isNull()) {
                problems.add("token.pin: required, with either 'file' or 'env'");
                return null;
            }
            fields.allowOnly(node, "token.pin.", Set.of("file", "env", "value"));
            if (node.has("value")) {
                problems.add("token.pin.value: PINs are never accepted in the config text;"
                        + " use token.pin.file or token.pin.env");
            }
            boolean hasFile = node.has("file");
            boolean hasEnv = node.has("env");
            if (hasFile == hasEnv) {
                problems.add("token.pin: set exactly one of 'file' or 'env'");
                return null;
            }
            if (hasEnv) {
                return new PinSource.FromEnvironment(fields.required(node, "token.pin.env", "env"));
            }
            return new PinSource.FromFile(fields.existingFile(node, "token.pin.file", "file"));
        }
    }
}
