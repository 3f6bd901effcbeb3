package org.smimed.daemon.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Where the token PIN comes from: a file private to the daemon's user, or an environment
 * variable. Never the config text or a command-line argument, which end up in process listings,
 * shell histories and backups.
 *
 * <p>Security guarantee: {@link #toString()} names the source, never the PIN.
 */
public sealed interface PinSource {

    /**
     * Reads the PIN. The caller owns the returned array and should clear it after use.
     *
     * @param environment looks up environment variables (injected for tests)
     * @throws PinUnavailableException if the source is missing, empty or not private
     */
    char[] read(UnaryOperator<String> environment) throws PinUnavailableException;

    /**
     * The PIN is the first line of a file that only its owner may read, or a systemd
     * credential: a file in the directory {@code $CREDENTIALS_DIRECTORY} names. systemd makes
     * such a file readable by the unit's user alone, but where the directory is a tmpfs
     * (systemd 254 and later) it does so with an ACL on a root-owned file, whose mode then
     * shows the ACL's mask as group read (0440): refusing that would stop the shipped unit on
     * current distributions.
     */
    record FromFile(Path file) implements PinSource {
        private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
                PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

        @Override
        public char[] read(UnaryOperator<String> environment) throws PinUnavailableException {
            byte[] bytes = null;
            try {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
                permissions.retainAll(GROUP_OR_OTHER);
                if (!permissions.isEmpty() && !isCredential(environment)) {
                    throw new PinUnavailableException("PIN file " + file
                            + " is readable or writable by group or others; chmod 600 it");
                }
                bytes = Files.readAllBytes(file);
                CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes));
                int end = 0;
                while (end < chars.limit() && chars.get(end) != '\n' && chars.get(end) != '\r') {
                    end++;
                }
                char[] pin = Arrays.copyOf(chars.array(), end);
                Arrays.fill(chars.array(), '\0');
                if (pin.length == 0) {
                    throw new PinUnavailableException("PIN file " + file + " is empty");
                }
                return pin;
            } catch (IOException e) {
                throw new PinUnavailableException("cannot read PIN file " + file + ": "
                        + e.getClass().getSimpleName());
            } finally {
                if (bytes != null) {
                    Arrays.fill(bytes, (byte) 0);
                }
            }
        }

        private boolean isCredential(UnaryOperator<String> environment) throws IOException {
            String credentials = environment.apply("CREDENTIALS_DIRECTORY");
            if (credentials == null || credentials.isBlank()) {
                return false;
            }
            // Real paths: a link placed elsewhere must not borrow the credential's exemption.
            return file.toRealPath().startsWith(Path.of(credentials).toRealPath());
        }

        @Override
        public String toString() {
            return "PIN file " + file;
        }
    }

    /** The PIN is the value of an environment variable. */
    record FromEnvironment(String variable) implements PinSource {
        @Override
        public char[] read(UnaryOperator<String> environment) throws PinUnavailableException {
            String value = environment.apply(variable);
            if (value == null || value.isEmpty()) {
                throw new PinUnavailableException("environment variable " + variable
                        + " (the token PIN) is " + (value == null ? "not set" : "empty"));
            }
            return value.toCharArray();
        }

        @Override
        public String toString() {
            return "PIN environment variable " + variable;
        }
    }

    /** The PIN source could not deliver a PIN; the message names the source, never the PIN. */
    final class PinUnavailableException extends Exception {
        public PinUnavailableException(String message) {
            super(message);
        }
    }
}
