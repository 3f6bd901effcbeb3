package org.smimed.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.TlsFiles;

/** The admin listener's config: absent means none; its own port; its own TLS or the server's. */
class AdminConfigTest {
    @TempDir
    Path dir;

    @BeforeEach
    void files() throws Exception {
        for (String name : new String[] {"lib.so", "policy.yaml"}) {
            Files.writeString(dir.resolve(name), "x");
        }
        TlsFiles.write(dir.resolve("server.crt"), dir.resolve("server.key"));
        TlsFiles.write(dir.resolve("admin.crt"), dir.resolve("admin.key"));
        TlsFiles.writeCertificate(dir.resolve("ca.crt"));
    }

    private DaemonConfig load(String admin) throws Exception {
        return new ConfigLoader().load(Files.writeString(dir.resolve("smimed.yaml"), """
                listen: {port: 8443}
                tls: {certificateChain: server.crt, privateKey: server.key,
                      clientCaCertificates: ca.crt}
                token: {library: lib.so, label: t, pin: {env: PIN}}
                policy: {file: policy.yaml}
                audit: {file: audit.log}
                """ + admin));
    }

    @Test
    void noAdminSection_meansNoAdminListener() throws Exception {
        assertThat(load("").admin()).isEmpty();
    }

    @Test
    void adminSection_defaultsToLoopbackPort8444AndTheServerTls() throws Exception {
        DaemonConfig.Admin admin = load("admin: {}\n").admin().orElseThrow();

        assertThat(admin.listen()).isEqualTo(new DaemonConfig.Listen("127.0.0.1", 8444));
        assertThat(admin.tls()).isEmpty();
    }

    @Test
    void adminSection_withOwnTls_resolvesItsFiles() throws Exception {
        DaemonConfig.Admin admin = load("""
                admin:
                  listen: {address: 10.0.0.1, port: 9444}
                  tls: {certificateChain: admin.crt, privateKey: admin.key}
                """).admin().orElseThrow();

        assertThat(admin.listen()).isEqualTo(new DaemonConfig.Listen("10.0.0.1", 9444));
        assertThat(admin.tls().orElseThrow().certificateChain())
                .isEqualTo(dir.resolve("admin.crt"));
        assertThat(admin.tls().orElseThrow().clientCaCertificates())
                .as("officers are verified as on the client port").contains(dir.resolve("ca.crt"));
    }

    @Test
    void certificateRoots_isAFileOfCaCertificates() throws Exception {
        assertThat(load("admin: {certificateRoots: ca.crt}\n").admin().orElseThrow()
                .certificateRoots()).contains(dir.resolve("ca.crt"));
        assertThat(load("admin: {}\n").admin().orElseThrow().certificateRoots()).isEmpty();
        assertThatThrownBy(() -> load("admin: {certificateRoots: missing.pem}\n"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith("admin.certificateRoots:")));
    }

    @Test
    void adminOnTheClientPort_orUnknownKeys_areRefused() {
        assertThatThrownBy(() -> load("admin: {listen: {port: 8443}, role: officer}\n"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .contains("admin.listen.port: must differ from listen.port; clients"
                                + " must never reach the admin service",
                                "admin.role: unknown key (known: certificateRoots, listen, tls)"));
    }

    /** Found by a review: these passed check-config and failed at start-up with exit 7. */
    @Test
    void twoListenersOnOnePort_areRefused() throws Exception {
        assertThatThrownBy(() -> load("admin: {listen: {port: 9444}}\n"
                + "operations: {healthListen: {port: 9444}, metricsListen: {port: 9444}}\n"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("operations.healthListen.port: 9444 is also"
                                + " admin.listen.port; every listener needs a port of its own",
                                "operations.metricsListen.port: 9444 is also"
                                + " admin.listen.port; every listener needs a port of its own"));
        assertThat(load("admin: {listen: {port: 0}}\n"
                + "operations: {healthListen: {port: 0}, metricsListen: {port: 9464}}\n")
                .operations().metricsListen()).isPresent();
    }
}
