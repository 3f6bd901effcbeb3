package org.smimed.client.cli;

import java.io.BufferedInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import picocli.CommandLine.Option;

/**
 * --in and --out, defaulting to standard input and output; "-" names them too, as for openssl
 * and gpgsm ("./-" is a file called "-").
 *
 * <p>Guarantee: an --out file appears only when the command succeeded (it is written to a
 * temporary sibling and moved into place on {@link Output#commit()}), so a failed decryption
 * never leaves partial plaintext under the requested name; standard output gets the same
 * treatment, the temporary file being copied to it on commit.
 */
final class IoOptions {
  static final String IN_HELP = "Input file; - or none: standard input.";
  static final String OUT_HELP = "Output file; - or none: standard output.";
  private static final int BUFFER = 64 * 1024;

  @Option(names = "--in", paramLabel = "FILE", description = IN_HELP)
  Path in;

  @Option(names = "--out", paramLabel = "FILE", description = OUT_HELP)
  Path out;

  /** True when {@code option} means a standard stream: not given, or "-". */
  private static boolean isStandardStream(Path option) {
    return option == null || option.toString().equals("-");
  }

  /** The input as a message should name it: the --in file, or standard input. */
  String inputName() {
    return isStandardStream(in) ? "standard input" : in.toString();
  }

  /**
   * The input, refused when empty: no command has anything to do with nothing, and each would
   * otherwise say it in its own words ("no Content-Type", "not a signed S/MIME message:
   * text/plain"; found by an outside trial).
   */
  InputStream openInput(CliIo io) throws CliFailure {
    InputStream raw;
    if (isStandardStream(in)) {
      raw = io.in();
    } else if (!Files.isRegularFile(in) || !Files.isReadable(in)) {
      throw new CliFailure("cannot read input " + in + ": no such file or not readable");
    } else {
      try {
        raw = Files.newInputStream(in);
      } catch (IOException e) {
        throw new CliFailure("cannot read input " + in + ": " + e.getMessage(), e);
      }
    }
    int first;
    // Buffered: the MIME readers' base64 decoder reads its source a byte at a time, which was
    // one read(2) per byte from a file (a 13 MB message ran past the 30 s deadline; found by
    // an interop trial).
    PushbackInputStream peek = new PushbackInputStream(new BufferedInputStream(raw, BUFFER), 1);
    try {
      first = peek.read();
      if (first >= 0) {
        peek.unread(first);
        return peek;
      }
    } catch (IOException e) {
      closeQuietly(raw);
      throw new CliFailure("cannot read input " + inputName() + ": " + e.getMessage(), e);
    }
    closeQuietly(raw);
    throw new CliFailure(inputName() + " is empty");
  }

  private static void closeQuietly(InputStream stream) {
    try {
      stream.close();
    } catch (IOException e) {
      // Already failing with the reason that matters.
    }
  }

  byte[] readInput(CliIo io) throws CliFailure {
    try (InputStream s = openInput(io)) {
      return s.readAllBytes();
    } catch (IOException e) {
      throw new CliFailure("cannot read input: " + e.getMessage(), e);
    }
  }

  /**
   * The input as a file, for commands that read it more than once in constant memory: --in
   * itself, or standard input copied to a temporary file that {@link InputFile#close()}
   * deletes.
   */
  InputFile inputFile(CliIo io) throws CliFailure {
    if (!isStandardStream(in)) {
      try (InputStream checked = openInput(io)) { // the same checks and message as a stream
        return new InputFile(in, false);
      } catch (IOException e) {
        throw new CliFailure("cannot read input: " + e.getMessage(), e);
      }
    }
    try (InputStream checked = openInput(io)) {
      Path tmp = Files.createTempFile("smime-in-", ".eml");
      Files.copy(checked, tmp, StandardCopyOption.REPLACE_EXISTING);
      return new InputFile(tmp, true);
    } catch (IOException e) {
      throw new CliFailure("cannot read input: " + e.getMessage(), e);
    }
  }

  /** An input file; a temporary copy of standard input is deleted on close. */
  record InputFile(Path path, boolean temporary) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      if (temporary) {
        Files.deleteIfExists(path);
      }
    }
  }

  /**
   * The output, written to a temporary file first: on {@link Output#commit()} it is moved to
   * --out, or copied to standard output. So a command that fails half-way (a signature the
   * daemon refused, plaintext whose tag did not verify) leaves nothing behind anywhere.
   */
  Output openOutput(CliIo io) throws CliFailure {
    Path target = isStandardStream(out) ? null : out;
    try {
      Path dir = target == null ? null : target.toAbsolutePath().getParent();
      Path tmp = dir == null ? Files.createTempFile("smime-out-", ".part")
          : Files.createTempFile(dir, ".smime-", ".part");
      return new Output(Files.newOutputStream(tmp), tmp, target, io.out());
    } catch (IOException e) {
      // The temporary file is what failed, but the user named only --out (found by a CLI
      // review: "cannot write output DIR/x DIR/.smime-123.part", no reason).
      String where = target == null ? "a temporary file for standard output" : target.toString();
      String why = e instanceof java.nio.file.NoSuchFileException && target != null
          ? "no such directory " + target.toAbsolutePath().getParent()
          : e instanceof java.nio.file.AccessDeniedException && target != null
          ? "permission denied in " + target.toAbsolutePath().getParent()
          : ConnectionSettings.why(e);
      throw new CliFailure("cannot write output " + where + ": " + why, e);
    }
  }

  void write(CliIo io, byte[] data) throws CliFailure, IOException {
    try (Output o = openOutput(io)) {
      o.write(data);
      o.commit();
    }
  }

  /** An output stream that becomes the --out file, or standard output, only on commit. */
  static final class Output extends FilterOutputStream {
    private final Path tmp;
    private final Path target;
    private final OutputStream stdout;
    private boolean committed;

    Output(OutputStream s, Path tmp, Path target, OutputStream stdout) {
      super(s);
      this.tmp = tmp;
      this.target = target;
      this.stdout = stdout;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    void commit() throws IOException {
      out.close();
      if (target != null) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.copy(tmp, stdout);
        stdout.flush(); // never close the process's stdout
        Files.deleteIfExists(tmp);
      }
      committed = true;
    }

    @Override
    public void close() throws IOException {
      if (!committed) {
        out.close();
        Files.deleteIfExists(tmp);
      }
    }
  }
}
