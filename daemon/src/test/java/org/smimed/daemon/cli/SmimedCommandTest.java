package org.smimed.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.Release;
import picocli.CommandLine;

class SmimedCommandTest {
    @Test
    void misspeltConfigOption_namesTheMisspellingNotTheMissingConfig() {
        StringWriter err = new StringWriter();
        CommandLine line = SmimedCommand.commandLine(name -> null, Clock.systemUTC());
        line.setErr(new PrintWriter(err, true));

        int code = line.execute("serve", "--confg", "smimed.yaml");

        assertThat(code).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).startsWith("Unknown options: '--confg', 'smimed.yaml'")
                .doesNotContain("Missing required option");
    }

    @Test
    void missingConfig_alone_isReportedAsMissing() {
        StringWriter err = new StringWriter();
        CommandLine line = SmimedCommand.commandLine(name -> null, Clock.systemUTC());
        line.setErr(new PrintWriter(err, true));

        int code = line.execute("serve");

        assertThat(code).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).startsWith("Missing required option: '--config=FILE'");
    }

    /** Found by an operator trial: the JDK's "No enum constant ...LogFormat.XML". */
    @Test
    void unknownLogFormat_isAUsageErrorNamingTheFormats() {
        StringWriter err = new StringWriter();
        CommandLine line = SmimedCommand.commandLine(name -> null, Clock.systemUTC());
        line.setErr(new PrintWriter(err, true));

        int code = line.execute("serve", "--config", "smimed.yaml", "--log-format", "xml");

        assertThat(code).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("'xml' is not a log format; use text or json")
                .doesNotContain("No enum constant");
    }

    /** Maven fills in the version: a literal placeholder would mean the filtering broke. */
    @Test
    void theVersionIsTheBuilds() {
        assertThat(Release.version()).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
    }

    /** Found by an outside trial: "smimed serve -V" printed nothing and exited 0. */
    @Test
    void everySubcommand_saysTheVersion() {
        for (String command : new String[] {"serve", "check-config", "provision-demo", "bench"}) {
            StringWriter out = new StringWriter();
            CommandLine line = SmimedCommand.commandLine(name -> null, Clock.systemUTC());
            line.setOut(new PrintWriter(out, true));

            assertThat(line.execute(command, "-V")).as(command).isZero();
            assertThat(out.toString()).as(command)
                    .isEqualTo("smimed " + Release.version() + System.lineSeparator());
        }
    }

    /** Found by a CLI review: "smimed run --help" printed the help and exited 0. */
    @Test
    void anUnknownCommand_withHelp_isStillAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine line = SmimedCommand.commandLine(name -> null, Clock.systemUTC());
        line.setErr(new PrintWriter(err, true));

        assertThat(line.execute("run", "--help")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).startsWith("Unmatched argument at index 0: 'run'");
        assertThat(SmimedCommand.commandLine(name -> null, Clock.systemUTC())
                .setOut(new PrintWriter(new StringWriter(), true))
                .execute("serve", "--help")).isZero();
    }
}
