package org.smimed.client;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.smimed.client.cli.CliIo;
import org.smimed.client.cli.SmimeCli;

/** Runs the smime CLI in-process with given stdin and environment; captures all output. */
public final class CliRunner {
  private CliRunner() {}

  /** Exit code and captured streams of one run. */
  public record Run(int exit, byte[] stdout, String stderr) {
    public String stdoutText() {
      return new String(stdout, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  public static Run run(byte[] stdin, String... args) {
    return run(stdin, Map.of(), args);
  }

  /** Runs {@code command --in message --trust trust} with {@code extra}, nothing on stdin. */
  public static Run runOn(String command, Path message, Path trust, String... extra) {
    List<String> args = new ArrayList<>(List.of(command, "--in", message.toString(),
        "--trust", trust.toString()));
    args.addAll(List.of(extra));
    return run(new byte[0], args.toArray(String[]::new));
  }

  public static Run run(byte[] stdin, Map<String, String> env, String... args) {
    return runAt(Clock.systemUTC(), stdin, env, args);
  }

  /** As {@link #run(byte[], Map, String...)}, the CLI's clock at {@code clock}. */
  public static Run runAt(Clock clock, byte[] stdin, Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    CliIo io = new CliIo(new ByteArrayInputStream(stdin), out, new PrintWriter(err, true), env,
        clock);
    int code = new SmimeCli(io).run(args);
    return new Run(code, out.toByteArray(), err.toString());
  }
}
