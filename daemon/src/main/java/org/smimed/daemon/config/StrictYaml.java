package org.smimed.daemon.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The YAML reader of the config and policy files.
 *
 * <p>Guarantee: a key given twice in one mapping is an error, not "the last one wins". A
 * second {@code listen:} or {@code tls:} block at the end of a long file would otherwise drop
 * the first one whole, without a word (found by an outside trial), the one kind of typo the
 * unknown-key check cannot see.
 */
public final class StrictYaml {
    private StrictYaml() {
    }

    /**
     * What is wrong with a file the reader refused, for the problem list: where (line, and for
     * a key given twice its full path, as every other problem names its key) and what.
     */
    public static String describe(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 1 ? "" : "line " + at.getLineNr() + ": ";
        // A syntax error's own mark, not the last token's location: that named the line before
        // (a tab on line 5 was "line 4", one on line 1 no line; an operator trial). SnakeYAML
        // counts lines from 0.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked
                    && marked.getProblemMark() != null) {
                where = "line " + (marked.getProblemMark().getLine() + 1) + ": ";
                break;
            }
        }
        Matcher duplicate = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
        if (duplicate.matches() && e.getProcessor() instanceof JsonParser parser) {
            JsonStreamContext context = parser.getParsingContext();
            StringBuilder path = new StringBuilder(duplicate.group(1));
            // The context is the mapping that holds the key twice; its parents name the path.
            for (JsonStreamContext c = context == null ? null : context.getParent(); c != null;
                    c = c.getParent()) {
                if (c.getCurrentName() != null) {
                    path.insert(0, c.getCurrentName() + ".");
                } else if (c.inArray()) {
                    path.insert(0, "[" + c.getCurrentIndex() + "].");
                }
            }
            return where + "key '" + path.toString().replace(".[", "[") + "' is given twice";
        }
        return where + "not valid YAML: " + oneLine(String.valueOf(e.getOriginalMessage()));
    }

    /**
     * The parser's own lines of a YAML error ("while parsing a flow sequence", "expected ','
     * or ']'"), without its indented excerpt and caret: every problem is one line of the
     * start-up output (found by a README trial: seven lines).
     */
    static String oneLine(String message) {
        String own = message.lines()
                .filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
                .collect(java.util.stream.Collectors.joining(", "));
        return own.isEmpty() ? message.strip().replaceAll("\\s+", " ") : own;
    }

    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '(.*)'");

    /** A new reader; each loader keeps its own. */
    public static ObjectMapper mapper() {
        return new ObjectMapper(new YAMLFactory())
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }
}
