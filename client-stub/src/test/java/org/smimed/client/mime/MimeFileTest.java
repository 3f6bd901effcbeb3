package org.smimed.client.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The streamed entity is byte for byte the in-memory one, for every kind of input. */
class MimeFileTest {
  @TempDir
  Path dir;

  static Stream<byte[]> inputs() {
    byte[] eightBit = new byte[200_000];
    new Random(5).nextBytes(eightBit);
    return Stream.of(
        ascii("From: a@example.com\nSubject: hi\n\nline one\nline two\n"),
        ascii("From: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            + "caf\u00e9 with an 8-bit byte\nand LF\r\n"),
        concat(ascii("Content-Type: application/octet-stream\r\n"
            + "Content-Transfer-Encoding: binary\r\n\r\n"), eightBit),
        concat(ascii("Content-Type: application/octet-stream\r\n\r\n"), eightBit),
        ascii("Content-Type: multipart/mixed; boundary=x\n\n--x\n\n\u00ff\n--x--\n"),
        ascii("no header section here\nsecond line\n"),
        ascii("Subject: long line\n\n" + "a".repeat(1200) + "\n"),
        ascii("Subject: empty body\n\n"),
        "Subject: no type, UTF-8\n\ncaf\u00e9\n".getBytes(StandardCharsets.UTF_8),
        ascii("Subject: no type, Latin-1\n\ncaf\u00e9\n"),
        // a two-byte character across DeclaredCharset's 64 KiB reads
        ("a".repeat(65_535) + "\u00e9 and more").getBytes(StandardCharsets.UTF_8),
        new byte[0]);
  }

  @ParameterizedTest
  @MethodSource("inputs")
  void streamedEntities_equalTheInMemoryOnes(byte[] message) throws Exception {
    Path file = Files.write(dir.resolve("m.eml"), message);
    MimeFile streamed = MimeFile.open(file);
    MimeInput whole = MimeInput.parse(message);

    ByteArrayOutputStream entity = new ByteArrayOutputStream();
    streamed.writeEntity(entity);
    ByteArrayOutputStream sevenBit = new ByteArrayOutputStream();
    streamed.writeSevenBitEntity(sevenBit);

    assertThat(entity.toByteArray()).isEqualTo(whole.entity());
    assertThat(sevenBit.toByteArray()).isEqualTo(whole.sevenBitEntity());
    assertThat(streamed.headers().outerHeaders()).isEqualTo(whole.outerHeaders());
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
