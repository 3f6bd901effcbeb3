package org.smimed.client.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's Java example is ReadmeExample's, which compiles against the library. */
class ReadmeExampleTest {
  @Test
  void readme_showsTheCompiledExample() throws Exception {
    List<String> source = Files.readAllLines(Path.of(
        "src/test/java/org/smimed/client/examples/ReadmeExample.java"));
    int begin = source.indexOf("    // README-BEGIN");
    int end = source.indexOf("    // README-END");
    assertThat(begin).isPositive();
    String example = String.join("\n", source.subList(begin + 1, end).stream()
        .map(line -> line.length() >= 4 ? line.substring(4) : line.strip()).toList());

    assertThat(Files.readString(Path.of("..", "README.md")))
        .contains("```java\n" + example + "\n```");
  }
}
