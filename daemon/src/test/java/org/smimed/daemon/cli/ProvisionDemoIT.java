package org.smimed.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.smimed.daemon.testing.SmimedRun;
import org.smimed.daemon.testing.SoftHsm;

/** {@code smimed provision-demo} as a user runs it twice, and with a --dir that is a file. */
class ProvisionDemoIT {
    private static final String RSA = "rsa-demo@smimed.example";

    @TempDir
    Path dir;

    /**
     * Found by a CLI review: a second --dir on the same token made a new CA and said only
     * "already on the token", and nothing in the new directory verified the identity.
     */
    @Test
    void aSecondDir_onTheSameToken_saysTheIdentitiesWereMadeWithAnother() throws Exception {
        SoftHsm.Token token = SoftHsm.createToken("demo");
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");

        SmimedRun made = provision(token, first);
        SmimedRun again = provision(token, first);
        SmimedRun elsewhere = provision(token, second);

        assertThat(made.exit()).isZero();
        assertThat(made.out()).contains("identity " + RSA + " (");
        assertThat(first.resolve(RSA + ".crt")).exists();
        assertThat(again.exit()).isZero();
        assertThat(again.out()).contains("identity " + RSA + " already on the token\n");
        assertThat(elsewhere.exit()).isZero();
        assertThat(elsewhere.out()).contains("identity " + RSA + " already on the token, made"
                + " with another --dir: " + second.resolve("ca.crt") + " did not certify it and "
                + second.resolve(RSA + ".crt") + " does not exist; use the --dir it was made"
                + " with, or a new token");
    }

    /** Found by a CLI review: FileAlreadyExistsException's stack trace, exit 1. */
    @Test
    void aDirThatIsAFile_isAUsageError() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");

        SmimedRun run = SmimedRun.of("provision-demo", "--dir", file.toString(),
                "--token-label", "any", "--pin-env", "NO_SUCH_VARIABLE");

        assertThat(run.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).startsWith("--dir " + file + " is a file, not a directory");
    }

    @Test
    void help_listsTheExitCodes() {
        StringWriter out = new StringWriter();
        int exit = SmimedCommand.commandLine(System::getenv, Clock.systemUTC())
                .setOut(new PrintWriter(out, true)).execute("provision-demo", "--help");

        assertThat(exit).isZero();
        assertThat(out.toString()).contains("Exit codes:").contains("4   token unusable");
    }

    private static SmimedRun provision(SoftHsm.Token token, Path pki) {
        return SmimedRun.of("provision-demo", "--dir", pki.toString(),
                "--token-label", token.label(),
                "--pin-file", token.pinFile().toString());
    }
}
