package org.smimed.daemon.keys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which identities a new key may be made for. An outside trial made keys for a 5,000-character
 * local part, a quoted local part and a host name with an underscore: keys no certificate can
 * name, left in the token.
 */
class VersionNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"billing@example.com", "first.last+tag@mail.example.org",
            "x@localhost", "o'brien@example.ie", "a-b_c@xn--bcher-kva.example"})
    void addressesACaCanCertify_areAccepted(String identity) {
        assertThat(VersionName.whyNotAnAddress(identity)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a b@example.com | not an e-mail address",
            "a@@example.com | not an e-mail address",
            "a/v1@example.com | not an e-mail address",
            "\"q\"@example.com | is not a plain local part",
            ".a@example.com | is not a plain local part",
            "a..b@example.com | is not a plain local part",
            "a@exa_mple.com | is not a host name",
            "a@-example.com | is not a host name",
            "a@example..com | is not a host name",
            "x@127.0.0.1 | its last label is all digits",
            "x@example.123 | its last label is all digits",
            "*@example.com | '*' is the policy's wildcard",
            "a*b@example.com | '*' is the policy's wildcard"})
    void otherStrings_areRefusedSayingWhy(String identity, String why) {
        assertThat(VersionName.whyNotAnAddress(identity)).hasValueSatisfying(
                reason -> assertThat(reason).contains(why));
    }

    @org.junit.jupiter.api.Test
    void rfc5321Lengths_areEnforced() {
        assertThat(VersionName.whyNotAnAddress("b".repeat(64) + "@example.com")).isEmpty();
        assertThat(VersionName.whyNotAnAddress("b".repeat(65) + "@example.com"))
                .hasValue("the part before @ is longer than 64 characters (RFC 5321)");
        String longDomain = ("d".repeat(60) + ".").repeat(5) + "example";
        assertThat(VersionName.whyNotAnAddress("b@" + longDomain))
                .hasValue("longer than 254 characters (RFC 5321)");
        assertThat(VersionName.whyNotAnAddress("b".repeat(5000) + "@example.com"))
                .hasValue("longer than 254 characters (RFC 5321)");
    }

    /** A name pasted with its line end is the same version (a fuzz trial: NOT_FOUND). */
    @Test
    void parse_dropsSurroundingBlanks() {
        assertThat(VersionName.parse(" billing@example.com/v2\n"))
                .contains(new VersionName.Parsed("billing@example.com", 2));
        assertThat(VersionName.parse("billing@example.com/v2x")).isEmpty();
    }
}
