package org.smimed.client;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
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

  public static Run run(byte[] stdin, Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    CliIo io = new CliIo(new ByteArrayInputStream(stdin), out, new PrintWriter(err, true), env,
        Clock.systemUTC());
    int code = new SmimeCli(io).run(args);
    return new Run(code, out.toByteArray(), err.toString());
  }
}
