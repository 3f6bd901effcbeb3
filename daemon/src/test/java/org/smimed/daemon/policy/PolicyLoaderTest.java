package org.smimed.daemon.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class PolicyLoaderTest {
    private static final Caller INVOICES = new Caller("CN=invoices,O=Example", List.of(),
            List.of("invoices.example"), List.of(), false);
    private static final Caller ALICE = new Caller("CN=Alice,O=Example",
            List.of("alice@example.com"), List.of(), List.of(), false);

    @TempDir
    Path dir;

    @Test
    void load_grantsExactlyWhatIsListed_andDeniesTheRest() throws Exception {
        Policy policy = load("""
                callers:
                  - name: invoices
                    subject: "CN=invoices, O=Example"
                    sign: [billing@example.com]
                    decrypt: ["*@billing.example"]
                    maxConcurrent: 4
                    decryptsPerMinute: 60
                  - name: alice
                    email: Alice@Example.com
                    officer: true
                """);

        assertThat(policy.permits(INVOICES, Operation.SIGN, "billing@example.com")).isTrue();
        assertThat(policy.permits(INVOICES, Operation.SIGN, "ceo@example.com")).isFalse();
        // As keys are looked up and audited: trimmed (whitespace, control characters).
        assertThat(policy.permits(INVOICES, Operation.SIGN, "Billing@example.com \n")).isTrue();
        assertThat(policy.permits(INVOICES, Operation.DECRYPT, "in@billing.example\0"))
                .isTrue();
        assertThat(policy.permits(INVOICES, Operation.DECRYPT, "in@billing.example")).isTrue();
        assertThat(policy.permits(INVOICES, Operation.DECRYPT, "in@evilbilling.example"))
                .isFalse();
        assertThat(policy.permits(INVOICES, Operation.DECRYPT, "billing@example.com")).isFalse();
        assertThat(policy.officerEntry(INVOICES)).isEmpty();
        assertThat(policy.officerEntry(ALICE)).contains("alice");
        assertThat(policy.permits(ALICE, Operation.SIGN, "alice@example.com")).isFalse();
        assertThat(policy.ruleFor(Caller.anonymousCaller())).isEmpty();
        assertThat(policy.ruleFor(INVOICES).orElseThrow().decryptsPerMinute()).hasValue(60);
    }

    /** A second sign: list would otherwise replace the first one without a word. */
    @Test
    void load_aKeyGivenTwiceInOneCaller_isRefusedNamingIt() {
        assertThatThrownBy(() -> load("""
                callers:
                  - name: invoices
                    subject: "CN=invoices, O=Example"
                    sign: [billing@example.com]
                    sign: [ceo@example.com]
                """)).isInstanceOf(PolicyException.class)
                .hasMessageContaining("policy.yaml: line 5: key 'callers[0].sign' is given twice");
    }

    @Test
    void load_listsEveryProblemAtOnce() throws Exception {
        assertThatThrownBy(() -> load("""
                callers:
                  - name: a
                    subject: "not a DN"
                    sign: ["bill*@example.com", billing]
                  - name: a
                    email: x@example.com
                    dns: x.example
                    maxConcurrent: 0
                  - subject: "CN=x"
                    colour: blue
                dualControl: {actions: [destroy, explode]}
                """)).isInstanceOfSatisfying(PolicyException.class, e ->
                assertThat(e.problems()).containsExactlyInAnyOrder(
                        "callers[0].subject: 'not a DN' is not a distinguished name",
                        "callers[0].sign[0]: 'bill*@example.com' is not an identity pattern"
                                + " (use an exact identity such as billing@example.com,"
                                + " *@domain or *)",
                        "callers[0].sign[1]: 'billing' is not an identity pattern"
                                + " (use an exact identity such as billing@example.com,"
                                + " *@domain or *)",
                        "callers[1]: set exactly one of subject, email, dns, uri, anonymous to"
                                + " recognise the caller's certificate",
                        "callers[1].maxConcurrent: expected a positive integer, got 0",
                        // Both entries named a have problems of their own: still said.
                        "callers[1].name: 'a' used twice",
                        "callers[2].colour: unknown key (known: anonymous, auditor,"
                                + " decrypt, decryptsPerMinute, dns, email, maxConcurrent, name,"
                                + " officer, sign, subject, uri)",
                        "callers[2].name: required, a non-empty string",
                        "dualControl.actions: unknown action 'explode' (known: activate,"
                                + " disable, destroy, importPkcs12)"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{actions: destroy}", "{approvalMinutes: 5}", "[destroy]",
            "destroy"})
    void dualControl_notAMappingWithAListOfActions_isRefusedRatherThanLeftOff(String section) {
        assertThatThrownBy(() -> load("""
                callers:
                  - name: a
                    email: x@example.com
                dualControl: %s
                """.formatted(section))).isInstanceOfSatisfying(PolicyException.class, e ->
                assertThat(e.problems()).singleElement().asString()
                        .startsWith("dualControl").contains("expected a"));
    }

    /**
     * Found by a security review: a policy anyone could write was reloaded without a word,
     * and the policy makes officers.
     */
    @Test
    void aPolicyOthersMayWriteOrReplace_isRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("policy.yaml"), OFFICER);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-r--"));
        assertThatThrownBy(() -> new PolicyLoader().load(file)).isInstanceOf(
                PolicyException.class).hasMessageContaining("policy file " + file
                + " is writable by group or others, who could make themselves officers;"
                + " chmod go-w it");

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path moved = Files.move(file, open.resolve("policy.yaml"));
        assertThatThrownBy(() -> new PolicyLoader().load(moved)).hasMessageContaining(
                "the directory " + open + " of policy file " + moved
                + " is writable by group or others, who could replace the policy; chmod go-w"
                + " it");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxr-x"));
        assertThatThrownBy(() -> new PolicyLoader().load(moved)).as("group-writable too")
                .hasMessageContaining("the directory " + open + " of policy file " + moved);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        // Behind a link, as a ConfigMap mounts it: the target's directory counts too.
        Path link = Files.createSymbolicLink(dir.resolve("linked.yaml"), moved);
        assertThatThrownBy(() -> new PolicyLoader().load(link)).hasMessageContaining(
                "the directory " + open + " of policy file " + link);

        Files.setAttribute(open, "unix:mode", 01777); // sticky, as /tmp
        assertThat(new PolicyLoader().load(link).officerEntry(ALICE)).contains("alice");
    }

    /** Found by a second review: a policy another user owns was reloaded without a word. */
    @Test
    void aPolicyAnotherUserOwns_isRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("policy.yaml"), OFFICER);
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        org.junit.jupiter.api.Assumptions.assumeTrue(self == 0, "only root can give a file"
                + " away; CI runs as root");
        Files.setAttribute(file, "unix:uid", 65534); // nobody

        assertThatThrownBy(() -> new PolicyLoader().load(file)).hasMessageContaining(
                "policy file " + file + " belongs to user 65534, neither root nor the daemon's"
                + " user (0)");
    }

    private static final String OFFICER = """
            callers:
              - name: alice
                email: alice@example.com
                officer: true
            """;

    private Policy load(String yaml) throws Exception {
        return new PolicyLoader().load(Files.writeString(dir.resolve("policy.yaml"), yaml));
    }
}
