package org.smimed.client.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A deterministic, structure-aware mutator over a seed corpus: what CI uses to push many
 * thousands of generated inputs through each fuzz target in a bounded time without
 * coverage guidance (the long coverage-guided runs are Jazzer's; see docs/fuzzing.md).
 *
 * <p>Mutations: bit flips, byte overwrites, truncation, deletion, insertion of random or
 * interesting bytes, duplication of a range, splicing two seeds, and ASN.1 length-field edits
 * (a length made indefinite, huge or off by a little).
 *
 * <p>The daemon's fuzz tests use it too, through this module's test jar (only this package is
 * in it).
 */
public final class Mutations {
  private static final byte[] INTERESTING = {0, 1, 0x7f, (byte) 0x80, (byte) 0x81,
      (byte) 0x84, (byte) 0xff, 0x30, 0x31, (byte) 0xa0, 0x04, 0x06, '\r', '\n', ':', '-'};

  private final Random random;
  private final List<byte[]> seeds;

  public Mutations(long seed, List<byte[]> seeds) {
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("no seeds");
    }
    this.random = new Random(seed);
    this.seeds = List.copyOf(seeds);
  }

  /** Every file in a corpus directory of the test class path ({@code src/test/resources}). */
  public static List<byte[]> corpus(Class<?> owner, String method) {
    return corpus(Path.of("src/test/resources", owner.getPackageName().replace('.', '/'),
        owner.getSimpleName() + "Inputs", method));
  }

  /** Every file in {@code dir}, in name order. */
  public static List<byte[]> corpus(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      List<byte[]> out = new ArrayList<>();
      for (Path file : files.sorted().toList()) {
        out.add(Files.readAllBytes(file));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("corpus " + dir, e);
    }
  }

  /** The next generated input: a seed with one to four mutations. */
  public byte[] next() {
    byte[] data = seeds.get(random.nextInt(seeds.size())).clone();
    int rounds = 1 + random.nextInt(4);
    for (int i = 0; i < rounds; i++) {
      data = mutate(data);
    }
    return data;
  }

  private byte[] mutate(byte[] in) {
    if (in.length == 0) {
      return randomBytes(1 + random.nextInt(16));
    }
    int at = random.nextInt(in.length);
    return switch (random.nextInt(9)) {
      case 0 -> flip(in, at);
      case 1 -> set(in, at, INTERESTING[random.nextInt(INTERESTING.length)]);
      case 2 -> Arrays.copyOf(in, at);
      case 3 -> splice(in, at, Math.min(in.length, at + 1 + random.nextInt(32)),
          new byte[0]);
      case 4 -> splice(in, at, at, random.nextBoolean() ? randomBytes(1 + random.nextInt(8))
          : new byte[] {INTERESTING[random.nextInt(INTERESTING.length)]});
      case 5 -> duplicate(in, at);
      case 6 -> crossOver(in, at);
      default -> editLength(in);
    };
  }

  private byte[] flip(byte[] in, int at) {
    in[at] ^= (byte) (1 << random.nextInt(8));
    return in;
  }

  private static byte[] set(byte[] in, int at, byte value) {
    in[at] = value;
    return in;
  }

  private byte[] duplicate(byte[] in, int at) {
    int end = Math.min(in.length, at + 1 + random.nextInt(64));
    return splice(in, end, end, Arrays.copyOfRange(in, at, end));
  }

  private byte[] crossOver(byte[] in, int at) {
    byte[] other = seeds.get(random.nextInt(seeds.size()));
    int from = other.length == 0 ? 0 : random.nextInt(other.length);
    return splice(in, at, in.length, Arrays.copyOfRange(other, from, other.length));
  }

  /** Finds a plausible tag-length pair and lies about the length. */
  private byte[] editLength(byte[] in) {
    for (int tries = 0; tries < 16; tries++) {
      int at = random.nextInt(in.length);
      if (at + 1 >= in.length || (in[at] & 0x1f) == 0x1f) {
        continue;
      }
      int length = at + 1;
      return switch (random.nextInt(4)) {
        case 0 -> set(in, length, (byte) 0x80);
        case 1 -> splice(in, length, length + 1, new byte[] {(byte) 0x84, 0x7f,
            (byte) 0xff, (byte) 0xff, (byte) 0xff});
        case 2 -> set(in, length, (byte) (in[length] + 1));
        default -> set(in, length, (byte) (in[length] - 1));
      };
    }
    return in;
  }

  private byte[] randomBytes(int n) {
    byte[] out = new byte[n];
    random.nextBytes(out);
    return out;
  }

  private static byte[] splice(byte[] in, int from, int to, byte[] insert) {
    byte[] out = new byte[in.length - (to - from) + insert.length];
    System.arraycopy(in, 0, out, 0, from);
    System.arraycopy(insert, 0, out, from, insert.length);
    System.arraycopy(in, to, out, from + insert.length, in.length - to);
    return out;
  }
}
