package org.smimed.daemon.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.smimed.daemon.testing.SoftHsm;

/** What start-up says about the library and its tokens, read from a real SoftHSM2. */
class Pkcs11LibrarySoftHsmTest {
    private static SoftHsm.Token token;

    @BeforeAll
    static void createToken() throws Exception {
        token = SoftHsm.createToken("labels");
    }

    @Test
    void wrongLabel_listsTheInitialisedTokens_withoutSoftHsmsBlankSpareOne() {
        assertThatThrownBy(() -> Pkcs11Library.load(SoftHsm.LIBRARY).slotOf("no-such-token"))
                .isInstanceOf(TokenException.class)
                .hasMessageStartingWith("no token labelled 'no-such-token' in " + SoftHsm.LIBRARY
                        + " (tokens present: ")
                .hasMessageContaining(token.label())
                .hasMessageMatching(".*\\(tokens present: [^ ,]+(, [^ ,]+)*\\)"
                        + "; SoftHSM2 finds its tokens in the tokendir .*SOFTHSM2_CONF.*");
    }

    @Test
    void tokenLabels_haveNoBlankLabel() throws Exception {
        assertThat(Pkcs11Library.load(SoftHsm.LIBRARY).tokenLabels()).isNotEmpty()
                .allSatisfy(label -> assertThat(label).isNotBlank());
    }

    @Test
    void notALibrary_saysWhyOnce_withThePathOnce() {
        assertThatThrownBy(() -> Pkcs11Library.load(Path.of("/etc/passwd")))
                .isInstanceOf(TokenException.class)
                .hasMessage("cannot load PKCS#11 library /etc/passwd: invalid ELF header");
    }

    @Test
    void loadFailure_ofAnotherSharedLibrary_saysItIsNoPkcs11Library() {
        assertThat(Pkcs11Library.loadFailure(Path.of("/usr/lib/libz.so.1"),
                "ERROR: C_GetFunctionList == NULL"))
                .isEqualTo("not a PKCS#11 library (it has no C_GetFunctionList)");
    }
}
