package org.smimed.client.admin;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import org.smimed.client.cli.CliIo;

/** Runs smimectl in-process with empty stdin and the given environment; captures all output. */
final class SmimectlRunner {
  private SmimectlRunner() {}

  /** Exit code and captured streams of one run. */
  record Run(int exit, String out, String err) {}

  static Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    int code = new SmimectlCli(new CliIo(new ByteArrayInputStream(new byte[0]), out,
        new PrintWriter(err, true), env, Clock.systemUTC())).run(args);
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
  }
}
