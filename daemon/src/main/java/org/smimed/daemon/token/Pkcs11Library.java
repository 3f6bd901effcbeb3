package org.smimed.daemon.token;

import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_OS_LOCKING_OK;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_TOKEN_INITIALIZED;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import sun.security.pkcs11.wrapper.CK_C_INITIALIZE_ARGS;
import sun.security.pkcs11.wrapper.CK_TOKEN_INFO;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * A PKCS#11 library loaded through the JDK's own wrapper: the same initialised module instance
 * that SunPKCS11 uses (the JDK keeps one per library path string), so logins and sessions are
 * shared between the two.
 *
 * <p>Used for what SunPKCS11 cannot do: finding a token by label, generating keys with an
 * explicit template, reading attributes.
 */
public final class Pkcs11Library {
    private final Path path;
    private final PKCS11 module;

    private Pkcs11Library(Path path, PKCS11 module) {
        this.path = path;
        this.module = module;
    }

    /**
     * Loads and initialises {@code library}. Initialises with OS locking, as SunPKCS11 does, so
     * the JDK picks its unsynchronised wrapper and token operations run in parallel.
     */
    public static Pkcs11Library load(Path library) throws TokenException {
        CK_C_INITIALIZE_ARGS args = new CK_C_INITIALIZE_ARGS();
        args.flags = CKF_OS_LOCKING_OK;
        try {
            // The JDK caches the module by this exact string: always pass the configured text.
            return new Library(library).open(args);
        } catch (IOException | PKCS11Exception e) {
            throw new TokenException(TokenException.Kind.TOKEN_NOT_FOUND,
                    "cannot load PKCS#11 library " + library + ": "
                            + loadFailure(library, e.getMessage())
                            + initialiseHint(library, e), e);
        }
    }

    /**
     * A PKCS11Exception here comes from C_Initialize: the library did load. SoftHSM2 answers
     * CKR_GENERAL_ERROR when its token directory is missing or unreadable, which alone reads
     * as a library that would not load (an operator trial).
     */
    static String initialiseHint(Path library, Exception e) {
        if (!(e instanceof PKCS11Exception p)
                || p.getErrorCode() != TokenErrors.CKR_GENERAL_ERROR) {
            return "";
        }
        return " (the library loaded but did not initialise"
                + (library.toString().toLowerCase(java.util.Locale.ROOT).contains("softhsm")
                        ? ": for SoftHSM2, check that the tokendir in the file SOFTHSM2_CONF names"
                        + " (else /etc/softhsm/softhsm2.conf) exists and is readable" : "")
                + ")";
    }

    /**
     * The JDK's reason, without the path it repeats: its message for a file the dynamic linker
     * refuses is dlerror(), which starts with the path, with the path glued on once more
     * ("/etc/passwd: invalid ELF header/etc/passwd").
     */
    static String loadFailure(Path library, String message) {
        if (message == null) {
            return "unknown reason";
        }
        if (message.contains("C_GetFunctionList == NULL")) {
            return "not a PKCS#11 library (it has no C_GetFunctionList)";
        }
        String path = library.toString();
        String reason = message;
        if (reason.endsWith(path) && reason.length() > path.length()) {
            reason = reason.substring(0, reason.length() - path.length());
        }
        if (reason.startsWith(path + ": ")) {
            reason = reason.substring(path.length() + 2);
        }
        return reason.strip();
    }

    /** The library path exactly as configured. */
    public Path path() {
        return path;
    }

    PKCS11 module() {
        return module;
    }

    /** Labels of the initialised tokens present now, for error messages. */
    public List<String> tokenLabels() throws TokenException {
        List<String> labels = new ArrayList<>();
        for (long slot : initialisedTokens()) {
            labels.add(label(slot));
        }
        return labels;
    }

    /**
     * Resolves a token label to the slot that holds it now. Slot ids are not stable (SoftHSM2
     * assigns a new one on every initialisation), labels are.
     */
    public long slotOf(String tokenLabel) throws TokenException {
        List<Long> matches = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (long slot : initialisedTokens()) {
            String label = label(slot);
            seen.add(label);
            if (label.equals(tokenLabel)) {
                matches.add(slot);
            }
        }
        if (matches.isEmpty()) {
            throw new TokenException(TokenException.Kind.TOKEN_NOT_FOUND, "no token labelled '"
                    + tokenLabel + "' in " + path + " (tokens present: "
                    + (seen.isEmpty() ? "none" : String.join(", ", seen)) + ")"
                    + (path.toString().toLowerCase(java.util.Locale.ROOT).contains("softhsm")
                            ? "; SoftHSM2 finds its tokens in the tokendir of the file the"
                            + " SOFTHSM2_CONF environment variable names (else"
                            + " /etc/softhsm/softhsm2.conf): is it set for this process?"
                            + " And it skips a token whose files this user cannot read (a"
                            + " token another user, such as root, created: chown it)"
                            : ""));
        }
        if (matches.size() > 1) {
            throw new TokenException(TokenException.Kind.TOKEN_NOT_FOUND, matches.size()
                    + " tokens are labelled '" + tokenLabel + "'; labels must be unique");
        }
        return matches.get(0);
    }

    /** Token information (label, model, free memory, …) for operators. */
    public CK_TOKEN_INFO tokenInfo(long slot) throws TokenException {
        try {
            return module.C_GetTokenInfo(slot);
        } catch (PKCS11Exception e) {
            throw TokenErrors.translate("read token info", e);
        }
    }

    /**
     * Slots holding an initialised token. SoftHSM2 always offers one more, uninitialised token
     * with a blank label, for the next {@code softhsm2-util --init-token}; it is no candidate.
     */
    private List<Long> initialisedTokens() throws TokenException {
        long[] slots;
        try {
            slots = module.C_GetSlotList(true);
        } catch (PKCS11Exception e) {
            throw TokenErrors.translate("list slots", e);
        }
        List<Long> initialised = new ArrayList<>();
        for (long slot : slots) {
            if ((tokenInfo(slot).flags & CKF_TOKEN_INITIALIZED) != 0) {
                initialised.add(slot);
            }
        }
        return initialised;
    }

    private String label(long slot) throws TokenException {
        return new String(tokenInfo(slot).label).trim();
    }

    /** Separates the JDK call so the cached-instance rule is stated once. */
    private record Library(Path path) {
        Pkcs11Library open(CK_C_INITIALIZE_ARGS args) throws IOException, PKCS11Exception {
            PKCS11 module = PKCS11.getInstance(path.toString(), "C_GetFunctionList", args, false);
            return new Pkcs11Library(path, module);
        }
    }
}
