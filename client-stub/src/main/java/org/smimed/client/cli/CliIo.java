package org.smimed.client.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

/**
 * Everything the CLI touches outside itself, so that tests can run it in-process.
 *
 * <p>Guarantee: commands read standard input, write standard output and error, read the
 * environment and the time only through this record.
 *
 * @param in standard input (binary)
 * @param out standard output (binary)
 * @param err standard error (one-line messages)
 * @param env environment variables (SMIME_TARGET, SMIME_CA, SMIME_CERT, SMIME_KEY)
 * @param clock time for certificate validation
 */
public record CliIo(InputStream in, OutputStream out, PrintWriter err, Map<String, String> env,
    Clock clock) {

  /** The real process streams, environment and clock. */
  public static CliIo system() {
    return new CliIo(System.in, System.out, new PrintWriter(System.err, true), System.getenv(),
        Clock.systemUTC());
  }

  /** Standard output for lines of text, in UTF-8; flush it when done. */
  public PrintWriter textOut() {
    return new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
  }
}
