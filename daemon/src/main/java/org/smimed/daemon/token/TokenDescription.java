package org.smimed.daemon.token;

import java.util.ArrayList;
import java.util.List;
import sun.security.pkcs11.wrapper.CK_TOKEN_INFO;
import sun.security.pkcs11.wrapper.Functions;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * What the token says about itself, for officers and operators: label, maker, model, serial,
 * memory and mechanisms. Holds nothing secret.
 *
 * @param freePublicMemory and the other memory figures: bytes, or -1 when the token does not say
 */
public record TokenDescription(String label, String manufacturer, String model, String serial,
                               String library, long freePublicMemory, long totalPublicMemory,
                               long freePrivateMemory, long totalPrivateMemory,
                               List<String> mechanisms) {

    /** Reads the description of {@code token}. */
    public static TokenDescription of(Pkcs11Token token) throws TokenException {
        CK_TOKEN_INFO info = token.library().tokenInfo(token.slot());
        List<String> mechanisms = new ArrayList<>();
        try {
            for (long m : token.library().module().C_GetMechanismList(token.slot())) {
                mechanisms.add(Functions.getMechanismName(m));
            }
        } catch (PKCS11Exception e) {
            throw TokenErrors.translate("list mechanisms", e);
        }
        return new TokenDescription(text(info.label), text(info.manufacturerID),
                text(info.model), text(info.serialNumber), token.library().path().toString(),
                memory(info.ulFreePublicMemory), memory(info.ulTotalPublicMemory),
                memory(info.ulFreePrivateMemory), memory(info.ulTotalPrivateMemory),
                List.copyOf(mechanisms));
    }

    private static String text(char[] padded) {
        return new String(padded).trim();
    }

    /** CK_UNAVAILABLE_INFORMATION (all ones) becomes -1. */
    private static long memory(long value) {
        return value < 0 || value == 0xFFFFFFFFL ? -1 : value;
    }
}
