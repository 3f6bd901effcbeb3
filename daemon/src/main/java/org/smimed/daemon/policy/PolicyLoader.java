package org.smimed.daemon.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.smimed.daemon.config.StrictYaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * Reads the YAML policy file and validates it as a whole, listing every problem at once, as the
 * config loader does. See README "Security model" for the format.
 */
public final class PolicyLoader {
    private static final Set<String> TOP = Set.of("callers", "dualControl");
    private static final Set<String> ENTRY = Set.of("name", "subject", "email", "dns", "uri",
            "anonymous", "sign", "decrypt", "officer", "auditor", "maxConcurrent",
            "decryptsPerMinute");
    private static final List<String> MATCH_KEYS = List.of("subject", "email", "dns", "uri",
            "anonymous");

    private final ObjectMapper yaml = StrictYaml.mapper();

    /** Loads and validates {@code file}. */
    public Policy load(Path file) throws PolicyException {
        return parse(file, read(file));
    }

    /**
     * Validates {@code file}'s contents without judging who may write it: for {@code smimed
     * check-config}, which an operator may run as another user than the daemon's.
     */
    public Policy check(Path file) throws PolicyException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new PolicyException(List.of("cannot read policy file " + file + ": "
                    + e.getClass().getSimpleName()));
        }
        return parse(file, text);
    }

    /** Reads {@code file} as text, for a caller that wants to see what it parses. */
    String read(Path file) throws PolicyException {
        try {
            PolicyFileAccess.refuseIfOthersMayChange(file);
            return Files.readString(file);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new PolicyException(List.of("cannot read policy file " + file + ": it is not"
                    + " UTF-8 text"));
        } catch (IOException e) {
            throw new PolicyException(List.of("cannot read policy file " + file + ": "
                    + e.getClass().getSimpleName()));
        }
    }

    /** Validates {@code text}, read from {@code file} (named in the problems). */
    Policy parse(Path file, String text) throws PolicyException {
        JsonNode root;
        try {
            root = yaml.readTree(text);
        } catch (JsonProcessingException e) {
            throw new PolicyException(List.of(file + ": " + StrictYaml.describe(e)));
        }
        if (root == null || !root.isObject()) {
            throw new PolicyException(List.of(file + ": expected a YAML mapping at the top"));
        }
        List<String> problems = new ArrayList<>();
        unknownKeys(root, "", TOP, problems);
        List<CallerRule> rules = new ArrayList<>();
        JsonNode callers = root.path("callers");
        if (!callers.isArray()) {
            problems.add("callers: required, a list of caller entries");
        } else {
            Set<String> names = new HashSet<>();
            for (int i = 0; i < callers.size(); i++) {
                CallerRule rule = entry(callers.get(i), "callers[" + i + "]", problems);
                // By the name as written, so an entry with other problems is still counted
                // (found by a README trial: the duplicate surfaced only once they were fixed).
                JsonNode name = callers.get(i).path("name");
                if (name.isTextual() && !name.asText().isBlank() && !names.add(name.asText())) {
                    problems.add("callers[" + i + "].name: '" + name.asText() + "' used twice");
                }
                if (rule != null) {
                    rules.add(rule);
                }
            }
        }
        Policy.DualControlSettings dual = dualControl(root.path("dualControl"), problems);
        if (!problems.isEmpty()) {
            throw new PolicyException(problems);
        }
        return new Policy(rules, dual);
    }

    private static CallerRule entry(JsonNode node, String at, List<String> problems) {
        if (!node.isObject()) {
            problems.add(at + ": expected a mapping");
            return null;
        }
        int before = problems.size();
        unknownKeys(node, at + ".", ENTRY, problems);
        String name = node.path("name").asText("");
        if (!node.path("name").isTextual() || name.isBlank()) {
            problems.add(at + ".name: required, a non-empty string");
        }
        CallerRule.Match match = match(node, at, problems);
        List<IdentityPattern> sign = patterns(node.path("sign"), at + ".sign", problems);
        List<IdentityPattern> decrypt = patterns(node.path("decrypt"), at + ".decrypt", problems);
        JsonNode officer = node.path("officer");
        if (!officer.isMissingNode() && !officer.isBoolean()) {
            problems.add(at + ".officer: expected true or false");
        }
        JsonNode auditor = node.path("auditor");
        if (!auditor.isMissingNode() && !auditor.isBoolean()) {
            problems.add(at + ".auditor: expected true or false");
        }
        OptionalInt concurrent = positive(node, "maxConcurrent", at, problems);
        OptionalInt budget = positive(node, "decryptsPerMinute", at, problems);
        if (problems.size() > before) {
            return null;
        }
        return new CallerRule(name, match, sign, decrypt, officer.asBoolean(false),
                auditor.asBoolean(false), concurrent, budget);
    }

    private static CallerRule.Match match(JsonNode node, String at, List<String> problems) {
        List<String> present = MATCH_KEYS.stream().filter(node::has).toList();
        if (present.size() != 1) {
            problems.add(at + ": set exactly one of " + String.join(", ", MATCH_KEYS)
                    + " to recognise the caller's certificate");
            return null;
        }
        String key = present.get(0);
        JsonNode value = node.get(key);
        if (key.equals("anonymous")) {
            if (!value.isBoolean() || !value.booleanValue()) {
                problems.add(at + ".anonymous: only 'anonymous: true' is meaningful");
            }
            return new CallerRule.Match(CallerRule.Match.Kind.ANONYMOUS, "");
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            problems.add(at + "." + key + ": expected a non-empty string");
            return null;
        }
        if (key.equals("subject")) {
            try {
                new X500Principal(value.asText());
            } catch (IllegalArgumentException e) {
                problems.add(at + ".subject: '" + value.asText() + "' is not a distinguished name");
                return null;
            }
        }
        return new CallerRule.Match(CallerRule.Match.Kind.valueOf(
                key.toUpperCase(java.util.Locale.ROOT)), value.asText());
    }

    private static List<IdentityPattern> patterns(JsonNode node, String at,
                                                  List<String> problems) {
        List<IdentityPattern> out = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            problems.add(at + ": expected a list of identities or patterns");
            return out;
        }
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isTextual()) {
                problems.add(at + "[" + i + "]: expected a string");
                continue;
            }
            IdentityPattern.parse(node.get(i).asText(), problems, at + "[" + i + "]")
                    .ifPresent(out::add);
        }
        return out;
    }

    private static OptionalInt positive(JsonNode node, String key, String at,
                                        List<String> problems) {
        JsonNode value = node.path(key);
        if (value.isMissingNode() || value.isNull()) {
            return OptionalInt.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 1) {
            problems.add(at + "." + key + ": expected a positive integer, got " + value);
            return OptionalInt.empty();
        }
        return OptionalInt.of(value.asInt());
    }

    private static Policy.DualControlSettings dualControl(JsonNode node, List<String> problems) {
        if (node.isMissingNode() || node.isNull()) {
            return Policy.DualControlSettings.off();
        }
        if (!node.isObject()) {
            problems.add("dualControl: expected a mapping with actions (and approvalMinutes)");
            return Policy.DualControlSettings.off();
        }
        unknownKeys(node, "dualControl.", Set.of("actions", "approvalMinutes"), problems);
        Set<AdminAction> actions = EnumSet.noneOf(AdminAction.class);
        // Iterating a scalar or a missing key yields nothing: "actions: destroy" would
        // silently leave dual control off, so anything but a list is refused.
        if (!node.path("actions").isArray()) {
            problems.add("dualControl.actions: expected a list of actions (known: "
                    + AdminAction.known() + "), got " + describe(node.path("actions")));
        }
        for (JsonNode a : node.path("actions")) {
            AdminAction.fromPolicyName(a.asText()).ifPresentOrElse(actions::add,
                    () -> problems.add("dualControl.actions: unknown action '" + a.asText()
                            + "' (known: " + AdminAction.known() + ")"));
        }
        OptionalInt minutes = positive(node, "approvalMinutes", "dualControl", problems);
        return new Policy.DualControlSettings(actions,
                Duration.ofMinutes(minutes.orElse(15)));
    }

    private static String describe(JsonNode value) {
        return value.isMissingNode() ? "nothing" : value.toString();
    }

    private static void unknownKeys(JsonNode node, String prefix, Set<String> known,
                                    List<String> problems) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                problems.add(prefix + name + ": unknown key (known: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }
}
