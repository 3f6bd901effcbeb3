package org.smimed.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.TlsFiles;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void load_validFile_resolvesPathsAgainstTheFile() throws Exception {
        TlsFiles.write(dir.resolve("server.crt"), dir.resolve("server.key"));
        Files.writeString(dir.resolve("libp11.so"), "x");
        TlsFiles.writeCertificate(dir.resolve("clients.crt"));
        Files.writeString(dir.resolve("policy.yaml"), "x");
        Path file = Files.writeString(dir.resolve("smimed.yaml"), """
                listen: {address: 0.0.0.0, port: 9443}
                tls: {certificateChain: server.crt, privateKey: server.key,
                      clientCaCertificates: clients.crt}
                token:
                  library: libp11.so
                  label: prod
                  pin: {env: SMIMED_PIN}
                limits: {maxMessageBytes: 2048}
                policy: {file: policy.yaml}
                audit: {file: audit.log}
                """);

        DaemonConfig config = new ConfigLoader().load(file);

        assertThat(config.listen()).isEqualTo(new DaemonConfig.Listen("0.0.0.0", 9443));
        assertThat(config.tls().orElseThrow().certificateChain())
                .isEqualTo(dir.resolve("server.crt"));
        assertThat(config.token().library()).isEqualTo(dir.resolve("libp11.so"));
        assertThat(config.token().pin()).isEqualTo(new PinSource.FromEnvironment("SMIMED_PIN"));
        assertThat(config.limits().maxMessageBytes()).isEqualTo(2048);
        assertThat(config.tls().orElseThrow().clientCaCertificates())
                .contains(dir.resolve("clients.crt"));
        assertThat(config.tls().orElseThrow().minVersion())
                .isEqualTo(DaemonConfig.TlsVersion.TLS_1_3);
        assertThat(config.access()).isEqualTo(new DaemonConfig.Access(dir.resolve("policy.yaml"),
                dir.resolve("audit.log"), false));
    }

    @Test
    void load_tlsWithoutClientCas_isRefusedUnlessAnonymousCallersInDevelopment()
            throws Exception {
        TlsFiles.write(dir.resolve("s.crt"), dir.resolve("s.key"));
        Files.writeString(dir.resolve("lib.so"), "x");
        Files.writeString(dir.resolve("p.yaml"), "x");
        String body = """
                tls: {certificateChain: s.crt, privateKey: s.key, minVersion: 1.2}
                token: {library: lib.so, label: dev, pin: {env: PIN}}
                policy: {file: p.yaml}
                audit: {file: audit.log}
                """;
        Path strict = Files.writeString(dir.resolve("strict.yaml"), body);
        Path dev = Files.writeString(dir.resolve("dev.yaml"),
                body + "development: {anonymousCallers: true}\n");

        assertThatThrownBy(() -> new ConfigLoader().load(strict))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("tls.clientCaCertificates: required"));
        DaemonConfig config = new ConfigLoader().load(dev);
        assertThat(config.tls().orElseThrow().clientCaCertificates()).isEmpty();
        assertThat(config.tls().orElseThrow().minVersion())
                .isEqualTo(DaemonConfig.TlsVersion.TLS_1_2);
        assertThat(config.access().anonymousCallers()).isTrue();
    }

    @Test
    void load_plaintextWithoutTls_isAllowedOnlyByTheDevelopmentFlag() throws Exception {
        Files.writeString(dir.resolve("lib.so"), "x");
        Files.writeString(dir.resolve("p.yaml"), "x");
        Path file = Files.writeString(dir.resolve("dev.yaml"), """
                token: {library: lib.so, label: dev, pin: {env: PIN}}
                development: {plaintext: true}
                policy: {file: p.yaml}
                audit: {file: audit.log}
                """);

        DaemonConfig config = new ConfigLoader().load(file);

        assertThat(config.tls()).isEmpty();
        assertThat(config.listen().port()).isEqualTo(ConfigLoader.DEFAULT_PORT);
    }

    @Test
    void load_collectsEveryProblemAtOnce() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.yaml"), """
                listen: {port: -1, adress: x}
                tls: {certificateChain: missing.crt}
                token: {label: "", pin: {file: a, env: B}}
                """);

        assertThatThrownBy(() -> new ConfigLoader().load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith("listen.port:"))
                        .anySatisfy(p -> assertThat(p).startsWith("listen.adress: unknown key"))
                        .anySatisfy(p -> assertThat(p).startsWith("tls.certificateChain: no"))
                        .anySatisfy(p -> assertThat(p).startsWith("tls.privateKey: required"))
                        .anySatisfy(p -> assertThat(p).startsWith("token.library: required"))
                        .anySatisfy(p -> assertThat(p).startsWith("token.label:"))
                        .anySatisfy(p -> assertThat(p).startsWith("token.pin: set exactly one"))
                        .anySatisfy(p -> assertThat(p).startsWith("policy.file: required"))
                        .anySatisfy(p -> assertThat(p).startsWith("audit.file: required")));
    }

    @Test
    void load_notYaml_saysSo() throws Exception {
        Path file = Files.writeString(dir.resolve("x.yaml"), "listen: [unclosed");

        assertThatThrownBy(() -> new ConfigLoader().load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .singleElement().asString().contains("not valid YAML")
                        .contains("while parsing a flow sequence").doesNotContain("\n"));
    }

    /** Found by an operator trial: the parser's lines count from 0, a reader's from 1. */
    @Test
    void load_aTabOnLineFive_namesLineFive() throws Exception {
        Path fifth = Files.writeString(dir.resolve("tab5.yaml"),
                "listen:\n  port: 8443\ntoken:\n  label: x\n\tlibrary: y\n");
        Path first = Files.writeString(dir.resolve("tab1.yaml"), "\tlisten: {}\n");

        assertThatThrownBy(() -> new ConfigLoader().load(fifth))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .singleElement().asString().contains(": line 5: not valid YAML"));
        assertThatThrownBy(() -> new ConfigLoader().load(first))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .singleElement().asString().contains(": line 1: not valid YAML"));
    }

    /** Found by an outside trial: the second block silently replaced the first. */
    @Test
    void load_aKeyGivenTwice_isRefusedNamingIt() throws Exception {
        Path file = Files.writeString(dir.resolve("x.yaml"), """
                listen: {address: 127.0.0.1, port: 8443}
                token: {library: lib.so, label: dev, pin: {env: PIN}}
                listen:
                  port: 18447
                """);

        assertThatThrownBy(() -> new ConfigLoader().load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("x.yaml: line 3: key 'listen' is given twice");
    }

    /** An operator trial: the JDK's "Input length = 1" was all it said. */
    @Test
    void load_fileThatIsNotUtf8_saysSo() throws Exception {
        Path file = java.nio.file.Files.write(dir.resolve("binary.yaml"),
                new byte[] {0x00, (byte) 0xff, (byte) 0xfe});

        assertThatThrownBy(() -> new ConfigLoader().load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read config file " + file + ": it is not UTF-8"
                        + " text");
    }

    @Test
    void load_missingFile_saysSo() {
        Path file = dir.resolve("absent.yaml");

        assertThatThrownBy(() -> new ConfigLoader().load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read config file " + file + ": no such file");
    }

    @Test
    void pinFromEnvironment_isReadThroughTheInjectedLookup() throws Exception {
        char[] pin = new PinSource.FromEnvironment("P").read(Map.of("P", "4711")::get);
        assertThat(pin).containsExactly('4', '7', '1', '1');
        assertThat(new PinSource.FromEnvironment("P").toString()).doesNotContain("4711");
    }

    @Test
    void load_limitsOutOfRange_areEachNamed() throws Exception {
        Files.writeString(dir.resolve("lib.so"), "x");
        Path file = Files.writeString(dir.resolve("dev.yaml"), """
                token: {library: lib.so, label: dev, pin: {env: PIN}}
                development: {plaintext: true}
                policy: {file: lib.so}
                audit: {file: audit.log}
                limits: {maxRecipients: 0, maxAsn1Depth: 2, maxInFlightBytes: 10,
                         streamIdleSeconds: 0, typo: 1}
                """);

        assertThatThrownBy(() -> new ConfigLoader().load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith("limits.typo: unknown key"))
                        .contains("limits.maxRecipients: expected an integer from 1 to 100000,"
                                        + " got 0",
                                "limits.maxAsn1Depth: expected an integer from 8 to 1000, got 2",
                                "limits.maxInFlightBytes: expected a byte count of at least"
                                        + " 1024, got 10",
                                "limits.streamIdleSeconds: expected an integer from 1 to 3600,"
                                        + " got 0"));
    }

    /**
     * Found by a docs-against-code review: {@code metricsListen: "0.0.0.0:9464"} and
     * {@code healthListen: 8081} passed as listeners on a random port, {@code reflection: 1}
     * meant true and {@code plaintext: flase} false, and a scalar {@code admin.listen} was
     * named "listen".
     */
    @Test
    void load_wrongShapesAndBooleans_areNamedNotGuessed() throws Exception {
        Files.writeString(dir.resolve("lib.so"), "x");
        Path file = Files.writeString(dir.resolve("shapes.yaml"), """
                token: {library: lib.so, label: dev, pin: {env: PIN}}
                development: {plaintext: true, anonymousCallers: flase}
                policy: {file: lib.so}
                audit: {file: audit.log}
                operations:
                  healthListen: 8081
                  metricsListen: {address: 0.0.0.0}
                  reflection: 1
                admin: {listen: 8444}
                """);

        assertThatThrownBy(() -> new ConfigLoader().load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactlyInAnyOrder(
                                "development.anonymousCallers: expected true or false,"
                                        + " got \"flase\"",
                                "operations.healthListen: expected a mapping with address and"
                                        + " port, got 8081",
                                "operations.metricsListen.port: required (0 picks a free port)",
                                "operations.reflection: expected true or false, got 1",
                                "admin.listen: expected a mapping"));
    }

    /** Found by an outside trial: check-config said OK, and serve then exited 7. */
    @Test
    void load_anAddressThatIsNoAddress_isAProblem() throws Exception {
        Files.writeString(dir.resolve("lib.so"), "x");
        Path file = Files.writeString(dir.resolve("address.yaml"), """
                listen: {address: 999.1.1.1, port: 8443}
                token: {library: lib.so, label: dev, pin: {env: PIN}}
                development: {plaintext: true}
                policy: {file: lib.so}
                audit: {file: audit.log}
                operations:
                  metricsListen: {address: "::1", port: 9464}
                  healthListen: {address: not-resolvable-here.invalid, port: 8081}
                """);

        assertThatThrownBy(() -> new ConfigLoader().load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("listen.address: '999.1.1.1' is neither an IP address"
                                + " nor a host name"));
    }

    @Test
    void workerThreads_defaultsToFourPerCore_andIsBounded() throws Exception {
        Files.writeString(dir.resolve("lib.so"), "x");
        String base = """
                token: {library: lib.so, label: dev, pin: {env: PIN}}
                development: {plaintext: true}
                policy: {file: lib.so}
                audit: {file: audit.log}
                """;
        Path plain = Files.writeString(dir.resolve("plain.yaml"), base);
        Path set = Files.writeString(dir.resolve("set.yaml"),
                base + "operations: {workerThreads: 64}\n");
        Path zero = Files.writeString(dir.resolve("zero.yaml"),
                base + "operations: {workerThreads: 0}\n");

        assertThat(new ConfigLoader().load(plain).operations().workerThreads())
                .isEqualTo(4 * Runtime.getRuntime().availableProcessors());
        assertThat(new ConfigLoader().load(set).operations().workerThreads()).isEqualTo(64);
        assertThatThrownBy(() -> new ConfigLoader().load(zero))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .contains("operations.workerThreads: expected an integer from 1 to 1024,"
                                + " got 0"));
        // The TLS files' look: a minute unless set, never 0 (a busy loop).
        assertThat(new ConfigLoader().load(plain).operations().tlsCheck())
                .isEqualTo(java.time.Duration.ofMinutes(1));
        Path hourly = Files.writeString(dir.resolve("hourly.yaml"),
                base + "operations: {tlsCheckSeconds: 3600}\n");
        assertThat(new ConfigLoader().load(hourly).operations().tlsCheck())
                .isEqualTo(java.time.Duration.ofHours(1));
        Path never = Files.writeString(dir.resolve("never.yaml"),
                base + "operations: {tlsCheckSeconds: 0}\n");
        assertThatThrownBy(() -> new ConfigLoader().load(never))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .contains("operations.tlsCheckSeconds: expected an integer from 1 to"
                                + " 86400, got 0"));
    }

    @Test
    void load_withoutLimits_usesTheDocumentedDefaults() throws Exception {
        Files.writeString(dir.resolve("lib.so"), "x");
        Path file = Files.writeString(dir.resolve("dev.yaml"), """
                token: {library: lib.so, label: dev, pin: {env: PIN}}
                development: {plaintext: true}
                policy: {file: lib.so}
                audit: {file: audit.log}
                """);

        DaemonConfig.Limits limits = new ConfigLoader().load(file).limits();

        assertThat(limits).isEqualTo(new DaemonConfig.Limits(16 * 1024 * 1024, 256, 40, 256,
                64L * 1024 * 1024, 128L * 1024 * 1024, java.time.Duration.ofSeconds(30),
                java.time.Duration.ofMinutes(5), java.time.Duration.ofMinutes(5), 1024));
    }

    @Test
    void load_withoutDecryptionSection_allowsEveryModernCipherButNotTripleDes() throws Exception {
        Files.writeString(dir.resolve("lib.so"), "x");
        Files.writeString(dir.resolve("p.yaml"), "x");
        Path file = Files.writeString(dir.resolve("dev.yaml"), """
                token: {library: lib.so, label: dev, pin: {env: PIN}}
                development: {plaintext: true}
                policy: {file: p.yaml}
                audit: {file: audit.log}
                """);

        DaemonConfig config = new ConfigLoader().load(file);

        assertThat(config.decryption().contentAlgorithms())
                .isEqualTo(org.smimed.daemon.cms.ContentCipher.defaults())
                .doesNotContain(org.smimed.daemon.cms.ContentCipher.DES_EDE3_CBC)
                .contains(org.smimed.daemon.cms.ContentCipher.CHACHA20_POLY1305);
    }

    @Test
    void load_decryptionContentAlgorithms_areExactlyThoseListed() throws Exception {
        Files.writeString(dir.resolve("lib.so"), "x");
        Files.writeString(dir.resolve("p.yaml"), "x");
        Path file = Files.writeString(dir.resolve("dev.yaml"), """
                token: {library: lib.so, label: dev, pin: {env: PIN}}
                development: {plaintext: true}
                policy: {file: p.yaml}
                audit: {file: audit.log}
                decryption: {contentAlgorithms: [aes256-gcm, des-ede3-cbc]}
                """);

        DaemonConfig config = new ConfigLoader().load(file);

        assertThat(config.decryption().contentAlgorithms()).containsExactlyInAnyOrder(
                org.smimed.daemon.cms.ContentCipher.AES256_GCM,
                org.smimed.daemon.cms.ContentCipher.DES_EDE3_CBC);
    }

    @Test
    void load_unknownContentAlgorithm_isNamed() throws Exception {
        Files.writeString(dir.resolve("lib.so"), "x");
        Files.writeString(dir.resolve("p.yaml"), "x");
        Path file = Files.writeString(dir.resolve("dev.yaml"), """
                token: {library: lib.so, label: dev, pin: {env: PIN}}
                development: {plaintext: true}
                policy: {file: p.yaml}
                audit: {file: audit.log}
                decryption: {contentAlgorithms: [aes256-gcm, rc2-cbc]}
                """);

        assertThatThrownBy(() -> new ConfigLoader().load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("decryption.contentAlgorithms: unknown algorithm"
                                + " 'rc2-cbc' (known: aes128-cbc, aes192-cbc, aes256-cbc,"
                                + " aes128-gcm, aes192-gcm, aes256-gcm, chacha20-poly1305,"
                                + " des-ede3-cbc)"));
    }

    @Test
    void auditRotateBytes_isReadAndBounded() throws Exception {
        Files.writeString(dir.resolve("lib.so"), "x");
        Files.writeString(dir.resolve("p.yaml"), "x");
        String body = """
                token: {library: lib.so, label: dev, pin: {env: PIN}}
                development: {plaintext: true}
                policy: {file: p.yaml}
                """;
        Path rotating = Files.writeString(dir.resolve("a.yaml"),
                body + "audit: {file: audit.log, rotateBytes: 104857600}\n");
        Path growing = Files.writeString(dir.resolve("b.yaml"),
                body + "audit: {file: audit.log}\n");
        Path tiny = Files.writeString(dir.resolve("c.yaml"),
                body + "audit: {file: audit.log, rotateBytes: 100}\n");

        assertThat(new ConfigLoader().load(rotating).access().auditRotateBytes())
                .isEqualTo(104857600);
        assertThat(new ConfigLoader().load(growing).access().auditRotateBytes()).isZero();
        assertThatThrownBy(() -> new ConfigLoader().load(tiny))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("audit.rotateBytes: expected an integer from 65536 to"
                                + " 2147483647, got 100"));
    }
}
