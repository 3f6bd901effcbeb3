package org.smimed.daemon.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

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

    /** A new reader; each loader keeps its own. */
    public static ObjectMapper mapper() {
        return new ObjectMapper(new YAMLFactory())
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }
}
