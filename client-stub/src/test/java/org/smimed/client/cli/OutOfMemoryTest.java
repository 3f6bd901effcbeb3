package org.smimed.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A command that runs out of heap ends with one line naming the heap. Found by a client trial:
 * {@code smime verify} of a 50 MB message in -Xmx64m printed an OutOfMemoryError stack trace.
 */
class OutOfMemoryTest {
  @CommandLine.Command(name = "hungry")
  static final class Hungry implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new OutOfMemoryError("Java heap space");
    }
  }

  @Test
  void outOfHeap_isOneLineNamingTheHeap_exit1() {
    StringWriter err = new StringWriter();
    CliIo io = new CliIo(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
        new PrintWriter(err, true), Map.of(), Clock.systemUTC());

    int exit = CliExecution.execute("smime", new CommandLine(new Hungry()), io);

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString()).isEqualTo("smime: not enough memory for this message (Java heap"
        + " space): give Java a larger heap, e.g. JAVA_OPTS=-Xmx2g\n");
  }
}
