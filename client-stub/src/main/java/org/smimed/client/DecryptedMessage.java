package org.smimed.client;

/**
 * A small message decrypted whole ({@link SmimeClient#decryptMessage}).
 *
 * <p>Guarantee: exists only when the daemon ended the call with OK, so for AuthEnvelopedData
 * the tag has verified. {@link #toString()} never shows the plaintext.
 *
 * @param result who decrypted it and how ({@code plaintextLength} is the plaintext's length)
 * @param plaintext the whole plaintext: the array itself, not a copy (up to 4 MiB, and the
 *     caller's alone), unlike the other results' arrays
 */
public record DecryptedMessage(DecryptResult result, byte[] plaintext) {
  @Override
  public String toString() {
    return "DecryptedMessage[" + result + "]";
  }
}
