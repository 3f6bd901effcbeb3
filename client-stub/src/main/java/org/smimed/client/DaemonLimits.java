package org.smimed.client;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * What the daemon takes from this client ({@link SmimeClient#limits()}), each figure with the
 * daemon setting it comes from, so a client can size its requests and its pool of concurrent
 * calls instead of learning each limit from a refusal.
 *
 * @param maxConcurrentCalls calls in flight at once, shared by every client the same policy
 *     entry admits (policy {@code maxConcurrent}); empty when unlimited
 * @param decryptsPerMinute Decrypt and DecryptMessage calls per rolling minute, shared the same
 *     way (policy {@code decryptsPerMinute}); empty when unlimited
 * @param maxMessageBytes the largest content to sign and message to decrypt
 *     ({@code limits.maxMessageBytes})
 * @param maxUnaryBytes the largest content one Sign request carries and the largest message
 *     DecryptMessage takes (4 MiB, or {@code maxMessageBytes} if lower)
 * @param maxInFlightBytes request bytes this client may have in flight over all its calls
 *     ({@code limits.maxInFlightBytesPerCaller}, or {@code limits.maxInFlightBytes} if lower)
 * @param decryptMessageChargeBytes what each DecryptMessage is charged against
 *     {@code maxInFlightBytes} before it is read, whatever its size
 * @param maxBatchDigests the most digests in one SignBatch
 * @param streamIdle how long a Decrypt or SignStream may go without a request
 *     ({@code limits.streamIdleSeconds})
 * @param maxStreamDuration how long such a stream may take in all
 *     ({@code limits.maxDecryptSeconds})
 */
public record DaemonLimits(
    OptionalInt maxConcurrentCalls,
    OptionalInt decryptsPerMinute,
    long maxMessageBytes,
    long maxUnaryBytes,
    long maxInFlightBytes,
    long decryptMessageChargeBytes,
    int maxBatchDigests,
    Duration streamIdle,
    Duration maxStreamDuration) {

  static DaemonLimits fromProto(org.smimed.api.v1.Limits limits) {
    return new DaemonLimits(
        positive(limits.getMaxConcurrentCalls()),
        positive(limits.getDecryptsPerMinute()),
        limits.getMaxMessageBytes(),
        limits.getMaxUnaryBytes(),
        limits.getMaxInFlightBytes(),
        limits.getDecryptMessageChargeBytes(),
        limits.getMaxBatchDigests(),
        Duration.ofSeconds(limits.getStreamIdleSeconds()),
        Duration.ofSeconds(limits.getMaxStreamSeconds()));
  }

  /**
   * How many DecryptMessage calls fit this client's in-flight budget at once (more are refused
   * with RESOURCE_EXHAUSTED, and {@link SmimeClient#decrypt} falls back to streaming); at
   * least 0.
   */
  public long decryptMessagesAtOnce() {
    return decryptMessageChargeBytes <= 0 ? 0 : maxInFlightBytes / decryptMessageChargeBytes;
  }

  private static OptionalInt positive(int value) {
    return value > 0 ? OptionalInt.of(value) : OptionalInt.empty();
  }
}
