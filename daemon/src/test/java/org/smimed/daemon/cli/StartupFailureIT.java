package org.smimed.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.smimed.daemon.testing.Processes;
import org.smimed.daemon.testing.SoftHsm;
import org.smimed.daemon.testing.TestDeployment;
import org.smimed.daemon.testing.TlsFiles;

/**
 * The real {@code smimed serve} process refuses to start, with one clear line and a distinct
 * exit code, when the token or its PIN is wrong or the config is invalid.
 */
class StartupFailureIT {
    @TempDir
    static Path dir;
    private static SoftHsm.Token token;
    private static SoftHsm.Token complete;
    /** A deployment that would start, for the bind failures. */
    private static Path bindDeployment;

    @BeforeAll
    static void createToken() throws Exception {
        token = SoftHsm.createToken("startup");
        complete = SoftHsm.createToken("startup-bind");
        // Checked when the config loads, so real; never served (the token check comes first).
        TlsFiles.write(dir.resolve("server.crt"), dir.resolve("server.key"));
        // Read before the token (policy, audit and client CAs come first): must be real.
        org.smimed.daemon.provision.DemoCertificateAuthority.create("clients",
                new org.bouncycastle.jce.provider.BouncyCastleProvider(),
                java.time.Clock.systemUTC(), new java.security.SecureRandom())
                .save(dir.resolve("clients.crt"), dir.resolve("clients.key"));
        Files.writeString(dir.resolve("policy.yaml"), "callers: []\n");
        bindDeployment = Files.createDirectories(dir.resolve("bind"));
        TestDeployment.provision(bindDeployment, complete);
        TestDeployment.writeConfig(bindDeployment, complete);
    }

    @Test
    void wrongPin_exitsWithTokenCodeAndOneLine() throws Exception {
        Path pin = privateFile("wrong.pin", "0000");
        Processes.Result result = serve(config(token.label(), "file: " + pin));

        assertThat(result.exitCode()).isEqualTo(ExitCodes.TOKEN);
        assertThat(result.stderr().strip().lines()).containsExactly(
                "smimed: token: login to token '"
                + token.label() + "' failed: PIN rejected");
    }

    /**
     * With --log-format json the line naming why serve stopped is a JSON object too, as every
     * log line is (an outside trial found it plain text in the JSON stream).
     */
    @Test
    void wrongPin_withJsonLogs_saysWhyInJson() throws Exception {
        Path pin = privateFile("wrong-json.pin", "0000");
        Processes.Result result = smimed(List.of("serve", "--log-format", "json", "--config",
                config(token.label(), "file: " + pin).toString()));

        assertThat(result.exitCode()).isEqualTo(ExitCodes.TOKEN);
        List<String> lines = result.stderr().strip().lines().toList();
        assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line).startsWith("{\"time\":")
                .endsWith("}"));
        assertThat(lines.get(lines.size() - 1)).contains("\"level\":\"SEVERE\"",
                "\"logger\":\"smimed\"", "\"message\":\"smimed: token: login to token '"
                        + token.label() + "' failed: PIN rejected\"");
    }

    @Test
    void missingToken_exitsWithTokenCodeNamingTheLabel() throws Exception {
        Processes.Result result = serve(config("no-such-token", "file: " + token.pinFile()));

        assertThat(result.exitCode()).isEqualTo(ExitCodes.TOKEN);
        assertThat(result.stderr().strip().lines()).singleElement().asString()
                .startsWith("smimed: token: no token labelled 'no-such-token' in "
                        + SoftHsm.LIBRARY + " (tokens present: ")
                .contains(token.label())
                .matches(".*\\(tokens present: [^ ,]+(, [^ ,]+)*\\)"
                        + "; SoftHSM2 finds its tokens in the tokendir .*SOFTHSM2_CONF.*");
    }

    @Test
    void libraryNotASharedObject_saysWhyWithThePathOnce() throws Exception {
        Path config = Files.writeString(dir.resolve("passwd-library.yaml"),
                Files.readString(config(token.label(), "file: " + token.pinFile()))
                        .replace("library: " + SoftHsm.LIBRARY, "library: /etc/passwd"));

        Processes.Result result = serve(config);

        assertThat(result.exitCode()).isEqualTo(ExitCodes.TOKEN);
        assertThat(result.stderr().strip().lines()).containsExactly(
                "smimed: token: cannot load PKCS#11 library /etc/passwd: invalid ELF header");
    }

    /** SoftHSM2 without its token directory fails C_Initialize, not the library's loading. */
    @Test
    void softHsmTokenDirectoryMissing_saysTheLibraryLoadedButDidNotInitialise() throws Exception {
        Path conf = Files.writeString(dir.resolve("no-tokendir.conf"),
                "directories.tokendir = " + dir.resolve("no-such-tokendir") + "\n"
                        + "objectstore.backend = file\n");

        Processes.Result result = smimed(List.of("serve", "--config",
                config(token.label(), "file: " + token.pinFile()).toString()),
                java.util.Map.of("SOFTHSM2_CONF", conf.toString()));

        assertThat(result.exitCode()).isEqualTo(ExitCodes.TOKEN);
        assertThat(result.stderr().strip().lines()).containsExactly(
                "smimed: token: cannot load PKCS#11 library " + SoftHsm.LIBRARY
                        + ": CKR_GENERAL_ERROR (the library loaded but did not initialise: for"
                        + " SoftHSM2, check that the tokendir in the file SOFTHSM2_CONF names"
                        + " (else /etc/softhsm/softhsm2.conf) exists and is readable)");
    }

    @Test
    void pinFileReadableByOthers_isRefused() throws Exception {
        Path pin = dir.resolve("open.pin");
        Files.writeString(pin, token.pin());
        Files.setPosixFilePermissions(pin, PosixFilePermissions.fromString("rw-r--r--"));

        Processes.Result result = serve(config(token.label(), "file: " + pin));

        assertThat(result.exitCode()).isEqualTo(ExitCodes.TOKEN);
        assertThat(result.stderr()).contains("is readable or writable by group or others");
    }

    @Test
    void missingPinVariable_isRefusedByName() throws Exception {
        Processes.Result result = serve(config(token.label(), "env: SMIMED_TEST_UNSET_PIN"));

        assertThat(result.exitCode()).isEqualTo(ExitCodes.TOKEN);
        assertThat(result.stderr()).contains("environment variable SMIMED_TEST_UNSET_PIN");
    }

    @Test
    void invalidConfig_listsEveryProblemAndExitsWithConfigCode() throws Exception {
        Path config = Files.writeString(dir.resolve("bad.yaml"), """
                listen:
                  port: 99999
                token:
                  label: x
                  pin:
                    value: "1234"
                limits:
                  maxMessageBytes: 12
                colour: blue
                """);

        Processes.Result result = serve(config);

        assertThat(result.exitCode()).isEqualTo(ExitCodes.CONFIG);
        assertThat(result.stderr()).contains("listen.port", "tls: required", "token.library",
                "token.pin.value: PINs are never accepted", "limits.maxMessageBytes",
                "colour: unknown key");
        assertThat(result.stderr()).doesNotContain("1234");
    }

    /**
     * Each listener's port taken in turn: the one line names that listener, its config key and
     * its address, whichever listener it is (the others are on free ports).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            client gRPC | listen
            admin gRPC  | admin.listen
            health      | operations.healthListen
            metrics     | operations.metricsListen
            """)
    void listenerPortInUse_exitsWithListenCodeNamingTheListenerAndAddress(String listener,
            String key) throws Exception {
        Path config = bindDeployment.resolve("smimed.yaml");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            String at = "{address: 127.0.0.1, port: " + port + "}\n";
            String text = switch (key) {
                case "listen" -> Files.readString(config)
                        .replace("listen:\n  address: 127.0.0.1\n  port: 0\n", "listen: " + at);
                case "admin.listen" -> Files.readString(config) + "admin: {listen: " + at + "}";
                default -> Files.readString(config) + "operations: {"
                        + key.substring("operations.".length()) + ": " + at + "}";
            };

            Processes.Result result = serve(Files.writeString(
                    bindDeployment.resolve("taken-" + port + ".yaml"), text));

            assertThat(result.exitCode()).as(result.stderr()).isEqualTo(ExitCodes.LISTEN);
            assertThat(result.stderr().strip().lines()).as(result.stderr()).last()
                    .isEqualTo("smimed: cannot bind the " + listener + " listener (" + key
                            + ") to 127.0.0.1:" + port + ": Address already in use");
            // Found before anything else: no token login (a service manager retrying exit 7
            // logged in and ran start-up repair on a shared token each time), nothing served.
            assertThat(result.stderr()).doesNotContain("USABLE").doesNotContain("serving");
        }
    }

    /**
     * Found by an outside trial: a TLS file that is there but not PEM made serve say "cannot
     * start the gRPC server" and exit 7, the code for a port that cannot be bound. It is a
     * configuration problem: exit 3, naming the key, the path and the reason, and
     * check-config finds it too.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            tls.certificateChain     | certificateChain: server.crt     | not PEM certificates
            tls.privateKey           | privateKey: server.key           | not a PEM private key
            tls.clientCaCertificates | clientCaCertificates: clients.crt | not PEM certificates
            """)
    void tlsFileNotPem_exitsWithConfigCodeNamingKeyPathAndReason(String key, String entry,
            String reason) throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage-" + System.nanoTime() + ".pem"),
                "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n"
                        + "-----END CERTIFICATE-----\n");
        String field = entry.substring(0, entry.indexOf(':'));
        Path config = Files.writeString(dir.resolve("garbage-" + field + ".yaml"),
                Files.readString(config(token.label(), "file: " + token.pinFile()))
                        .replace(entry, field + ": " + garbage));
        String line = "smimed: config: " + key + ": " + garbage + ": " + reason;

        assertServeAndCheckConfigRefuse(config, line);
    }

    /**
     * A key that does not go with the certificate: the TLS library took the pair and the
     * daemon served, every handshake then failing. Found when the config loads: exit 3 naming
     * both keys and paths, for check-config too.
     */
    @Test
    void tlsKeyOfAnotherCertificate_exitsWithConfigCodeNamingBothFiles() throws Exception {
        Path otherKey = bindDeployment.resolve("other.key");
        TlsFiles.write(bindDeployment.resolve("other.crt"), otherKey);
        Path config = Files.writeString(bindDeployment.resolve("mismatch.yaml"),
                Files.readString(bindDeployment.resolve("smimed.yaml"))
                        .replace("privateKey: pki/server.key", "privateKey: other.key"));
        String line = "smimed: config: tls.privateKey: " + otherKey + ": not the key of the first"
                + " certificate in tls.certificateChain "
                + bindDeployment.resolve("pki/server.crt");

        assertServeAndCheckConfigRefuse(config, line);
    }

    @Test
    void help_exitsZeroAndNamesTheExitCodes() throws Exception {
        Processes.Result result = smimed(List.of("serve", "--help"));

        assertThat(result.exitCode()).isZero();
        assertThat(result.stdout()).contains("--config", "Exit codes:");
    }

    @Test
    void checkConfigHelp_namesItsExitCodes_andThatOnlyServeChecksThePin() throws Exception {
        Processes.Result result = smimed(List.of("check-config", "--help"));

        assertThat(result.exitCode()).isZero();
        assertThat(result.stdout()).contains("Exit codes:", "the PIN is neither read nor tried",
                "Only 'smimed serve' checks those")
                .containsPattern("0 +the configuration is valid")
                .containsPattern("3 +invalid configuration");
    }

    /** What the help says: check-config reads the files, serve uses token, PIN and audit log. */
    @Test
    void checkConfig_passesWhatOnlyServeCanFind() throws Exception {
        Path pin = dir.resolve("wrong-and-open.pin");
        Files.writeString(pin, "0000");
        Files.setPosixFilePermissions(pin, PosixFilePermissions.fromString("rw-r--r--"));
        Path config = Files.writeString(dir.resolve("only-serve-finds.yaml"),
                Files.readString(config("no-such-token", "file: " + pin))
                        .replace("library: " + SoftHsm.LIBRARY, "library: /etc/passwd"));

        Processes.Result check = smimed(List.of("check-config", "--config", config.toString()));
        Processes.Result serve = serve(config(token.label(), "file: " + pin));

        assertThat(check.exitCode()).as(check.stderr()).isZero();
        assertThat(check.stdout().strip()).startsWith(config + ": OK (policy ")
                .endsWith(": OK)");
        assertThat(serve.exitCode()).isEqualTo(ExitCodes.TOKEN);
    }

    /** Found by an operator trial: a bad policy passed check-config and stopped serve. */
    @Test
    void checkConfig_refusesABadPolicy_asServeDoes() throws Exception {
        Path policy = Files.writeString(dir.resolve("bad-policy.yaml"), "callers: nonsense\n");
        Path config = Files.writeString(dir.resolve("bad-policy-config.yaml"),
                Files.readString(config(token.label(), "file: " + token.pinFile()))
                        .replace("policy.yaml", "bad-policy.yaml"));

        Processes.Result check = smimed(List.of("check-config", "--config", config.toString()));

        assertThat(check.exitCode()).isEqualTo(ExitCodes.CONFIG);
        assertThat(check.stderr()).startsWith("smimed: policy: ")
                .contains("callers: required, a list of caller entries");
        assertThat(policy).exists();
    }

    /** serve and check-config both exit with the config code, {@code line} all they say. */
    private static void assertServeAndCheckConfigRefuse(Path config, String line)
            throws Exception {
        Processes.Result serve = serve(config);
        Processes.Result check = smimed(List.of("check-config", "--config", config.toString()));

        assertThat(serve.exitCode()).as(serve.stderr()).isEqualTo(ExitCodes.CONFIG);
        assertThat(serve.stderr().strip().lines()).containsExactly(line);
        assertThat(check.exitCode()).as(check.stderr()).isEqualTo(ExitCodes.CONFIG);
        assertThat(check.stderr().strip().lines()).containsExactly(line);
    }

    private static Path config(String label, String pinLine) throws Exception {
        Path config = dir.resolve("smimed-" + System.nanoTime() + ".yaml");
        Files.writeString(config, """
                listen: {address: 127.0.0.1, port: 0}
                tls: {certificateChain: server.crt, privateKey: server.key,
                      clientCaCertificates: clients.crt}
                policy: {file: policy.yaml}
                audit: {file: audit.log}
                token:
                  library: %s
                  label: %s
                  pin: {%s}
                """.formatted(SoftHsm.LIBRARY, label, pinLine));
        return config;
    }

    private static Path privateFile(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static Processes.Result serve(Path config) throws Exception {
        return smimed(List.of("serve", "--config", config.toString()));
    }

    private static Processes.Result smimed(List<String> arguments) throws Exception {
        return smimed(arguments, java.util.Map.of());
    }

    private static Processes.Result smimed(List<String> arguments,
                                           java.util.Map<String, String> environment)
            throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), SmimedCommand.class.getName()));
        command.addAll(arguments);
        return Processes.run(command, dir, environment);
    }
}
