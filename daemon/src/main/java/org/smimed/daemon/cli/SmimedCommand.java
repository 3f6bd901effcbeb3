package org.smimed.daemon.cli;

import java.time.Clock;
import java.util.List;
import java.util.function.UnaryOperator;
import org.smimed.daemon.Release;
import org.smimed.daemon.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code smimed}: the daemon's command line; {@code serve} runs it. */
@Command(name = "smimed", mixinStandardHelpOptions = true,
        versionProvider = SmimedCommand.Version.class,
        description = "S/MIME signing and decryption daemon; private keys stay in a PKCS#11"
                + " token.",
        subcommands = {ServeCommand.class, CheckConfigCommand.class, ProvisionDemoCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class})
public final class SmimedCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a command is required, e.g. 'smimed serve --config smimed.yaml'");
    }

    /** The version as the build wrote it ({@link Release}), the same one the metrics carry. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"smimed " + Release.version()};
        }
    }

    /** Builds the command line with the given environment and clock. */
    public static CommandLine commandLine(UnaryOperator<String> environment, Clock clock) {
        CommandLine line = new CommandLine(new SmimedCommand(), new Factory(environment, clock));
        line.setParameterExceptionHandler(SmimedCommand::usageError);
        // Picocli lets unknown arguments pass when --help is among them: "smimed run --help"
        // printed the top-level help and exited 0, hiding the typo (found by a CLI review).
        // The client CLIs do the same (UsageErrors); the daemon does not depend on them.
        line.setExecutionStrategy(parsed -> {
            for (var result = parsed; result != null; result = result.subcommand()) {
                if (!result.unmatched().isEmpty()) {
                    throw new CommandLine.UnmatchedArgumentException(
                            result.commandSpec().commandLine(), result.unmatched());
                }
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        // A command that fails (bench that cannot reach or prepare a daemon; serve reports its
        // own) says why in one line, not a stack trace.
        line.setExecutionExceptionHandler((e, command, parsed) -> {
            // A daemon that went away (bench between workloads) is said in the line below;
            // its trace explains nothing (an operator trial).
            if (!(e instanceof IllegalArgumentException
                    || e instanceof io.grpc.StatusRuntimeException)) {
                // Unexpected: the trace goes to the log (in its format), the reason below.
                System.getLogger("smimed").log(System.Logger.Level.ERROR,
                        "smimed " + command.getCommandName() + " failed", e);
            }
            command.getErr().println("smimed " + command.getCommandName() + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            return ExitCodes.FAILURE;
        });
        // "smimed serve -V" printed nothing: every subcommand says the daemon's version.
        for (CommandLine sub : line.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(line.getCommandSpec().versionProvider());
        }
        return line;
    }

    /**
     * Picocli's own report, but naming an unrecognised argument before a missing required
     * option: {@code smimed serve --confg x} is a typo of --config, not a missing --config.
     */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine line = e.getCommandLine();
        List<String> unmatched = line.getUnmatchedArguments();
        CommandLine.ParameterException shown =
                e instanceof CommandLine.MissingParameterException && !unmatched.isEmpty()
                        ? new CommandLine.UnmatchedArgumentException(line, unmatched)
                        : e;
        line.getErr().println(shown.getMessage());
        line.usage(line.getErr());
        return line.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(commandLine(System::getenv, Clock.systemUTC()).execute(args));
    }

    /** Gives subcommands the process environment and clock, injected rather than global. */
    record Factory(UnaryOperator<String> environment, Clock clock)
            implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type == ProvisionDemoCommand.class) {
                return type.cast(new ProvisionDemoCommand(environment, clock));
            }
            if (type == BenchCommand.class) {
                return type.cast(new BenchCommand(environment, clock));
            }
            if (type == ServeCommand.class) {
                return type.cast(new ServeCommand(environment, clock));
            }
            return CommandLine.defaultFactory().create(type);
        }
    }
}
