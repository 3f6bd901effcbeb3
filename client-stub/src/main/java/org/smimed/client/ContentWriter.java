package org.smimed.client;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes content to be signed into a stream, so that content of any size can be streamed to
 * the daemon without being held in memory ({@link SmimeClient#signStream}).
 */
@FunctionalInterface
public interface ContentWriter {
  /** Writes the whole content to {@code out}; does not close it. */
  void writeTo(OutputStream out) throws IOException;
}
