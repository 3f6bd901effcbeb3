package org.smimed.daemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.metrics.ExpiryWatch;
import org.smimed.daemon.testing.LogCapture;
import org.smimed.daemon.testing.TestDeployment;

/**
 * Key expiry warnings: the demo identities' certificates run for 365 days, so with
 * {@code expiryWarnDays: 400} each is logged at start and exported as days left; so is the
 * daemon's own TLS server certificate's.
 */
class ExpiryWarningIT {
    @TempDir
    static Path dir;
    private static LogCapture log;
    private static TestDeployment deployment;

    @BeforeAll
    static void start() throws Exception {
        log = LogCapture.of(ExpiryWatch.class);
        deployment = TestDeployment.start(dir, List.of(), """
                operations:
                  expiryWarnDays: 400
                """);
    }

    @AfterAll
    static void stop() throws Exception {
        log.close();
        deployment.close();
    }

    @Test
    void start_logsEveryIdentityExpiringWithinTheWindow() {
        for (String identity : List.of(TestDeployment.RSA, TestDeployment.EC)) {
            assertThat(log.lines()).anySatisfy(w -> assertThat(w).matches(
                    "WARNING certificate of '" + Pattern.quote(identity)
                            + "' expires in 36[45] days"));
        }
    }

    @Test
    void gauge_exportsTheDaysLeftPerIdentity() {
        Matcher days = Pattern.compile("smimed_certificate_expiry_days\\{identity=\""
                + Pattern.quote(TestDeployment.RSA) + "\"} ([0-9.]+)")
                .matcher(deployment.daemon().metrics().scrape());

        assertThat(days.find()).isTrue();
        assertThat(Double.parseDouble(days.group(1))).isBetween(364.0, 365.0);
    }

    @Test
    void gauge_exportsTheDaysLeftOfTheServerCertificate() {
        // The demo server certificate runs for 825 days: beyond the window, so exported only.
        Matcher days = Pattern.compile(
                "smimed_tls_certificate_expiry_days\\{listener=\"client\"} ([0-9.]+)")
                .matcher(deployment.daemon().metrics().scrape());

        assertThat(days.find()).isTrue();
        assertThat(Double.parseDouble(days.group(1))).isBetween(824.0, 825.0);
    }
}
