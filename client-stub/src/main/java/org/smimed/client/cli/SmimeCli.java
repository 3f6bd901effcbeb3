package org.smimed.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/**
 * The {@code smime} command: sign, encrypt, decrypt, verify, triple-wrap, open, and the
 * daemon's identities and limits.
 *
 * <p>Guarantees: exit code 0 on success, 1 when the operation failed (verification, decryption,
 * daemon or I/O error), 2 on a usage error; every error is one line on standard error starting
 * with "smime: ", never a stack trace. Only {@link #main} calls System.exit, so tests and other
 * programs can call {@link #run} in-process with their own streams.
 */
@Command(name = "smime", mixinStandardHelpOptions = true, versionProvider = SmimeCli.Version.class,
    description = "S/MIME for services; private-key operations run in the smimed daemon.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:the operation failed (one line on standard error)",
        "2:bad usage"})
public final class SmimeCli implements Callable<Integer> {
  private final CliIo io;

  public SmimeCli(CliIo io) {
    this.io = io;
  }

  public static void main(String[] args) {
    System.exit(QuietGrpc.run(() -> new SmimeCli(CliIo.system()).run(args)));
  }

  /** Runs one command line and returns its exit code. */
  public int run(String... args) {
    CommandLine cli = new CommandLine(this)
        .addSubcommand(new SignCommand(io))
        .addSubcommand(new EncryptCommand(io))
        .addSubcommand(new DecryptCommand(io))
        .addSubcommand(new VerifyCommand(io))
        .addSubcommand(new TripleWrapCommand(io))
        .addSubcommand(new OpenCommand(io))
        .addSubcommand(new IdentitiesCommand(io))
        .addSubcommand(new LimitsCommand(io))
        // "smime help sign" was taken for sign without --identity (found by a review).
        .addSubcommand(new CommandLine.HelpCommand());
    // Every subcommand's --help documents the exit codes too, as smimectl's do.
    java.util.Map<String, String> codes = new java.util.LinkedHashMap<>();
    codes.put("0", "success");
    codes.put("1", "the operation failed: verification, decryption, the daemon's answer or"
        + " I/O (one line on standard error)");
    codes.put("2", "bad usage");
    cli.getSubcommands().values().forEach(c -> c.getCommandSpec().usageMessage()
        .exitCodeListHeading("%nExit codes:%n").exitCodeList(codes));
    return CliExecution.execute("smime", cli, io, args);
  }

  @Override
  public Integer call() {
    io.err().println("smime: a subcommand is required: sign, encrypt, decrypt, verify,"
        + " triple-wrap, open, identities or limits (see 'smime --help')");
    return 2;
  }

  /** Reads the version from the jar manifest; "dev" when running from classes. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SmimeCli.class.getPackage().getImplementationVersion();
      return new String[] {"smime " + (v == null ? "dev" : v)};
    }
  }
}
