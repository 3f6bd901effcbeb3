package org.smimed.client.admin;

import java.util.concurrent.Callable;
import org.smimed.client.cli.CliExecution;
import org.smimed.client.cli.CliIo;
import org.smimed.client.cli.QuietGrpc;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code smimectl} command for security officers: the life of keys in the token, over the
 * daemon's separate admin listener.
 *
 * <p>Guarantees: exit code 0 on success, 1 when the operation failed (one line on standard
 * error starting with "smimectl: ", with the daemon's message and status code), 2 on a usage
 * error. Never prints a stack trace or a password. Only {@link #main} calls System.exit.
 */
@Command(name = "smimectl", mixinStandardHelpOptions = true,
    versionProvider = SmimectlCli.Version.class,
    description = "Key lifecycle in the smimed token: generate, csr, import-cert, import-pkcs12,"
        + " activate, disable, destroy, pending, approve, rotate, list, token, public-key;"
        + " and audit verify.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:the operation failed", "2:bad usage",
        "3:audit verify only: a log file could not be read (see smimectl audit verify --help)"})
public final class SmimectlCli implements Callable<Integer> {
  private final CliIo io;

  public SmimectlCli(CliIo io) {
    this.io = io;
  }

  public static void main(String[] args) {
    System.exit(QuietGrpc.run(() -> new SmimectlCli(CliIo.system()).run(args)));
  }

  /** Runs one command line and returns its exit code. */
  public int run(String... args) {
    CommandLine cli = new CommandLine(this)
        .addSubcommand(new LifecycleCommands.Generate(io))
        .addSubcommand(new CertificateCommands.Csr(io))
        .addSubcommand(new CertificateCommands.ImportCert(io))
        .addSubcommand(new ImportPkcs12Command(io))
        .addSubcommand(new LifecycleCommands.Activate(io))
        .addSubcommand(new LifecycleCommands.Disable(io))
        .addSubcommand(new LifecycleCommands.Destroy(io))
        .addSubcommand(new LifecycleCommands.Approve(io))
        .addSubcommand(new ListCommands.Pending(io))
        .addSubcommand(new CertificateCommands.Rotate(io))
        .addSubcommand(new ListCommands.ListKeys(io))
        .addSubcommand(new ListCommands.Token(io))
        .addSubcommand(new PublicKeyCommand(io));
    // Every subcommand's --help documents the same exit codes.
    java.util.Map<String, String> codes = new java.util.LinkedHashMap<>();
    codes.put("0", "success");
    codes.put("1", "the operation failed (one line on standard error)");
    codes.put("2", "bad usage");
    cli.getSubcommands().values().forEach(c -> c.getCommandSpec().usageMessage()
        .exitCodeListHeading("%nExit codes:%n").exitCodeList(codes));
    // Added after the common list: audit verify documents its own codes (1 = tampered).
    cli.addSubcommand(new AuditCommand(io));
    // "smimectl help generate" was taken for generate without IDENTITY (found by a review).
    cli.addSubcommand(new CommandLine.HelpCommand());
    cli.getSubcommands().get("audit").addSubcommand(new CommandLine.HelpCommand());
    return CliExecution.execute("smimectl", cli, io, args);
  }

  @Override
  public Integer call() {
    io.err().println("smimectl: a subcommand is required (see 'smimectl --help')");
    return 2;
  }

  /** The jar's version, as smime says its own; "dev" when running from classes. */
  static final class Version implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SmimectlCli.class.getPackage().getImplementationVersion();
      return new String[] {"smimectl " + (v == null ? "dev" : v)
          + " (smimed key administration)"};
    }
  }
}
