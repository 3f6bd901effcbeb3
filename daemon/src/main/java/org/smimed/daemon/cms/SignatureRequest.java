package org.smimed.daemon.cms;

import java.util.Arrays;
import java.util.Optional;

/**
 * What to sign and how, independent of the transport.
 *
 * @param scheme       requested signature scheme; empty means the key's default
 * @param digest       requested hash when signing content; empty means the key's default
 * @param encapsulate  whether the content goes inside the SignedData (needs {@link Content})
 */
public record SignatureRequest(Input input, boolean encapsulate,
                               Optional<SignatureScheme> scheme,
                               Optional<DigestAlgorithm> digest) {

    /** The bytes to sign, or their digest. */
    public sealed interface Input permits Content, PrecomputedDigest {}

    /** The content itself; the daemon hashes it. */
    public record Content(byte[] bytes) implements Input {
        @Override
        public String toString() {
            return "Content[" + bytes.length + " bytes]";
        }
    }

    /** A digest the client computed over the content. */
    public record PrecomputedDigest(DigestAlgorithm algorithm, byte[] value) implements Input {
        @Override
        public String toString() {
            return "PrecomputedDigest[" + algorithm + "]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PrecomputedDigest d && d.algorithm == algorithm
                    && Arrays.equals(d.value, value);
        }

        @Override
        public int hashCode() {
            return 31 * algorithm.hashCode() + Arrays.hashCode(value);
        }
    }
}
