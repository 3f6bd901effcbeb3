package org.smimed.daemon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.smimed.client.Channels;
import org.smimed.daemon.Daemon;
import org.smimed.daemon.config.ConfigLoader;
import org.smimed.daemon.config.StrictYaml;
import java.time.Duration;
import org.smimed.daemon.provision.DemoCertificateAuthority;
import org.smimed.daemon.provision.DemoSetup;
import org.smimed.daemon.token.KeyUsage;
import org.smimed.daemon.provision.IdentityProvisioner;
import org.smimed.daemon.token.Pkcs11Library;
import org.smimed.daemon.token.Pkcs11Token;
import org.smimed.daemon.token.TokenObjects;

/**
 * A whole deployment for one test class: a new SoftHSM2 token, the demo identities generated
 * in it by the product's own provisioning code, a config file, a policy and an audit log, and
 * the daemon serving real mutual-TLS gRPC on a free port.
 *
 * <p>{@link #channel()} presents the demo service certificate ({@code pki/client.crt}), which
 * the default policy ({@link #DEFAULT_POLICY}) grants signing and decryption for every
 * identity; {@link #clients()} issues other callers.
 */
public final class TestDeployment implements AutoCloseable {
    public static final String RSA = "rsa-demo@smimed.example";
    public static final String EC = "ec-demo@smimed.example";
    /** limits.maxMessageBytes unless a test asks for another. */
    public static final int MAX_MESSAGE_BYTES = 1024 * 1024;
    /** Grants the demo service everything a service can have, and the demo officer its role. */
    public static final String DEFAULT_POLICY = """
            callers:
              - name: test-service
                subject: "%s"
                sign: ["*"]
                decrypt: ["*"]
              - name: test-officer
                subject: "%s"
                officer: true
            """.formatted(DemoSetup.CLIENT_SUBJECT, DemoSetup.OFFICER_SUBJECT);

    /**
     * {@link #DEFAULT_POLICY} with two more officers, {@code a} and {@code b}, and dual control
     * over destroy and importPkcs12: a request by one waits 15 minutes for the other.
     */
    public static String dualControlPolicy(TestClients.Client a, TestClients.Client b) {
        return DEFAULT_POLICY + """
                  - name: officer-a
                    subject: "%s"
                    officer: true
                  - name: officer-b
                    subject: "%s"
                    officer: true
                dualControl: {actions: [destroy, importPkcs12], approvalMinutes: 15}
                """.formatted(a.subject(), b.subject());
    }

    private final Path dir;
    private final SoftHsm.Token token;
    private final Daemon daemon;
    private final ManagedChannel channel;

    private TestDeployment(Path dir, SoftHsm.Token token, Daemon daemon, ManagedChannel channel) {
        this.dir = dir;
        this.token = token;
        this.daemon = daemon;
        this.channel = channel;
    }

    /** Creates the token and PKI in {@code dir} and starts the daemon. */
    public static TestDeployment start(Path dir) throws Exception {
        return start(dir, MAX_MESSAGE_BYTES);
    }

    /** As {@link #start(Path)}, with limits.maxMessageBytes set to {@code maxMessageBytes}. */
    public static TestDeployment start(Path dir, int maxMessageBytes) throws Exception {
        return start(dir, maxMessageBytes, List.of(), "");
    }

    /**
     * As {@link #start(Path)}, with {@code extra} identities generated in the token beside the
     * demo ones (keys made in the token by the product's provisioning code, certified by the
     * demo CA; certificates in {@code pki/EMAIL.crt}) and {@code extraConfig} appended to the
     * config file.
     */
    public static TestDeployment start(Path dir, List<DemoSetup.DemoIdentity> extra,
                                       String extraConfig) throws Exception {
        return start(dir, MAX_MESSAGE_BYTES, extra, extraConfig);
    }

    private static TestDeployment start(Path dir, int maxMessageBytes,
                                        List<DemoSetup.DemoIdentity> extra, String extraConfig)
            throws Exception {
        SoftHsm.Token token = SoftHsm.createToken("it");
        provision(dir, token, extra);
        Path config = writeConfig(dir, token, maxMessageBytes);
        addConfig(config, extraConfig);
        Daemon daemon = Daemon.start(new ConfigLoader().load(config), System::getenv,
                Clock.systemUTC());
        ManagedChannel channel = Channels.tls("localhost:" + daemon.port(),
                dir.resolve("pki/ca.crt"), dir.resolve("pki/client.crt"),
                dir.resolve("pki/client.key"));
        return new TestDeployment(dir, token, daemon, channel);
    }

    /**
     * Merges {@code yaml} into the config file: its mappings into those already there, key by
     * key ({@code limits: {maxStreams: 2}} keeps the written maxMessageBytes), other values
     * replacing. Appending would give a key twice, which the daemon refuses.
     */
    public static void addConfig(Path config, String yaml) throws Exception {
        // Read as the daemon reads it: a key twice in the snippet is a mistake here too.
        ObjectMapper mapper = StrictYaml.mapper();
        ObjectNode merged = (ObjectNode) mapper.readTree(Files.readString(config));
        JsonNode extra = mapper.readTree(yaml);
        if (extra instanceof ObjectNode added) {
            merge(merged, added);
        } else if (extra != null && !extra.isMissingNode()) {
            throw new IllegalArgumentException("extra config is not a YAML mapping: " + yaml);
        }
        Files.writeString(config, mapper.writeValueAsString(merged));
    }

    private static void merge(ObjectNode into, ObjectNode from) {
        from.fields().forEachRemaining(field -> {
            if (into.get(field.getKey()) instanceof ObjectNode existing
                    && field.getValue() instanceof ObjectNode added) {
                merge(existing, added);
            } else {
                into.set(field.getKey(), field.getValue());
            }
        });
    }

    /** Generates the demo identities in {@code token} with the product's provisioning code. */
    public static void provision(Path dir, SoftHsm.Token token) throws Exception {
        provision(dir, token, List.of());
    }

    private static void provision(Path dir, SoftHsm.Token token,
                                  List<DemoSetup.DemoIdentity> extra) throws Exception {
        Pkcs11Token session = Pkcs11Token.login(Pkcs11Library.load(SoftHsm.LIBRARY),
                token.label(), token.pin().toCharArray());
        SecureRandom random = new SecureRandom();
        Path pki = dir.resolve("pki");
        IdentityProvisioner provisioner = new IdentityProvisioner(
                new TokenObjects(session, random));
        new DemoSetup(new BouncyCastleProvider(), Clock.systemUTC(), random).run(
                pki, provisioner, List.of());
        DemoCertificateAuthority ca = DemoCertificateAuthority.load(pki.resolve("ca.crt"),
                pki.resolve("ca.key"), new BouncyCastleProvider(), Clock.systemUTC(), random);
        for (DemoSetup.DemoIdentity identity : extra) {
            IdentityProvisioner.Provisioned made = provisioner.provision(identity.email(),
                    identity.algorithm(), KeyUsage.BOTH, ca, Duration.ofDays(30));
            try (var pem = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(
                    Files.newBufferedWriter(pki.resolve(identity.email() + ".crt")))) {
                pem.writeObject(made.certificate());
            }
        }
    }

    /**
     * A new token labelled {@code tokenLabel}, provisioned with the demo identities, and a
     * config for it in {@code dir}: what a test that starts its own daemon process needs.
     */
    public static Path provisionedConfig(Path dir, String tokenLabel) throws Exception {
        SoftHsm.Token token = SoftHsm.createToken(tokenLabel);
        provision(dir, token);
        return writeConfig(dir, token);
    }

    /** Writes a config for {@code token} that serves mutual TLS on a free port. */
    public static Path writeConfig(Path dir, SoftHsm.Token token) throws Exception {
        return writeConfig(dir, token, MAX_MESSAGE_BYTES);
    }

    /**
     * As {@link #writeConfig(Path, SoftHsm.Token)}, with the given limits.maxMessageBytes;
     * writes {@link #DEFAULT_POLICY} to policy.yaml unless that file exists; the audit log is
     * audit.log.
     */
    public static Path writeConfig(Path dir, SoftHsm.Token token, int maxMessageBytes)
            throws Exception {
        Path policy = dir.resolve("policy.yaml");
        if (!Files.exists(policy)) {
            Files.writeString(policy, DEFAULT_POLICY);
        }
        Path config = dir.resolve("smimed.yaml");
        Files.writeString(config, """
                listen:
                  address: 127.0.0.1
                  port: 0
                tls:
                  certificateChain: pki/server.crt
                  privateKey: pki/server.key
                  clientCaCertificates: pki/ca.crt
                token:
                  library: %s
                  label: %s
                  pin:
                    file: %s
                limits:
                  maxMessageBytes: %d
                policy:
                  file: policy.yaml
                audit:
                  file: audit.log
                """.formatted(SoftHsm.LIBRARY, token.label(), token.pinFile(), maxMessageBytes));
        return config;
    }

    public Path dir() {
        return dir;
    }

    public SoftHsm.Token token() {
        return token;
    }

    public Daemon daemon() {
        return daemon;
    }

    /** A channel presenting the demo service certificate (granted everything by default). */
    public ManagedChannel channel() {
        return channel;
    }

    /**
     * A new channel presenting the demo officer certificate ({@code pki/officer.crt}, the
     * {@code test-officer} entry of {@link #DEFAULT_POLICY}); the caller shuts it down.
     */
    public ManagedChannel officerChannel() throws Exception {
        return Channels.tls("localhost:" + daemon.port(), caCertificate(),
                dir.resolve("pki/officer.crt"), dir.resolve("pki/officer.key"));
    }

    /**
     * A channel presenting a new caller, "CN={@code commonName},O=smimed demo", whom the policy
     * (rewritten to {@link #DEFAULT_POLICY} plus this caller, and reloaded) lets decrypt for
     * every identity and do nothing else; the caller shuts it down.
     */
    public ManagedChannel decryptOnlyChannel(String commonName) throws Exception {
        TestClients clients = clients();
        TestClients.Client caller = clients.issue(commonName, null, Duration.ofDays(1));
        Files.writeString(policyFile(), DEFAULT_POLICY + """
                  - name: %s
                    subject: "%s"
                    decrypt: ["*"]
                """.formatted(commonName.replace(' ', '-'), caller.subject()));
        assertThat(daemon.reloadPolicy()).as("policy reloaded").isTrue();
        return clients.channel(caller);
    }

    /** Issues further client certificates from the demo CA. */
    public TestClients clients() throws Exception {
        return TestClients.load(dir.resolve("pki"), "localhost:" + daemon.port());
    }

    /** The policy file the daemon watches. */
    public Path policyFile() {
        return dir.resolve("policy.yaml");
    }

    /** The audit log. */
    public Path auditFile() {
        return dir.resolve("audit.log");
    }

    /** The demo CA certificate (PEM). */
    public Path caCertificate() {
        return dir.resolve("pki/ca.crt");
    }

    /** The demo service's client certificate and key (PEM), for the CLI's --cert/--key. */
    public Path clientCertificate() {
        return dir.resolve("pki/client.crt");
    }

    public Path clientKey() {
        return dir.resolve("pki/client.key");
    }

    /** An identity's certificate (PEM), what senders encrypt to. */
    public Path certificate(String identity) {
        return dir.resolve("pki/" + identity + ".crt");
    }

    @Override
    public void close() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        daemon.close();
    }
}
