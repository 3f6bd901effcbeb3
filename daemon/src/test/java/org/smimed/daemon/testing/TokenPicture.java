package org.smimed.daemon.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The objects on a token as OpenSC's pkcs11-tool lists them (a separate process, logged in, so
 * private objects show): the kinds of object under each label. An independent view of what the
 * daemon wrote, read while no daemon runs or beside one.
 */
public record TokenPicture(Map<String, List<String>> byLabel) {
    public static final String DATA = "data";
    public static final String PRIVATE_KEY = "private key";
    public static final String PUBLIC_KEY = "public key";
    public static final String CERTIFICATE = "certificate";

    public static TokenPicture read(SoftHsm.Token token, Path softHsmConf) throws Exception {
        String out = Processes.check(List.of("pkcs11-tool", "--module",
                SoftHsm.LIBRARY.toString(), "--token-label", token.label(), "--login", "--pin",
                token.pin(), "--list-objects"), null,
                Map.of("SOFTHSM2_CONF", softHsmConf.toString())).stdout();
        Map<String, List<String>> objects = new TreeMap<>();
        String kind = null;
        for (String line : out.split("\n")) {
            if (!line.startsWith(" ")) {
                kind = line.startsWith("Data object") ? DATA
                        : line.startsWith("Private Key Object") ? PRIVATE_KEY
                        : line.startsWith("Public Key Object") ? PUBLIC_KEY
                        : line.startsWith("Certificate Object") ? CERTIFICATE : null;
            } else if (kind != null && line.trim().startsWith("label:")) {
                String label = line.trim().substring("label:".length()).trim();
                if (label.length() > 1 && label.startsWith("'") && label.endsWith("'")) {
                    label = label.substring(1, label.length() - 1);
                }
                objects.computeIfAbsent(label, l -> new ArrayList<>()).add(kind);
                kind = null;
            }
        }
        objects.values().forEach(l -> l.sort(String::compareTo));
        return new TokenPicture(objects);
    }

    /** As {@link #read(SoftHsm.Token, Path)}, with this process's SOFTHSM2_CONF. */
    public static TokenPicture read(SoftHsm.Token token) throws Exception {
        return read(token, Path.of(System.getenv("SOFTHSM2_CONF")));
    }

    /** The kinds of object labelled {@code label}, sorted; empty if none. */
    public List<String> of(String label) {
        return byLabel.getOrDefault(label, List.of());
    }

    /**
     * Every label of a key version ({@code identity/vN}) of identities ending in {@code domain}.
     */
    public List<String> versionLabels(String domain) {
        return byLabel.keySet().stream().filter(l -> l.matches("[^/]+" + domain + "/v\\d+"))
                .toList();
    }

    /** How many objects of {@code kind} the token holds, whatever their label. */
    public long count(String kind) {
        return byLabel.values().stream().flatMap(List::stream).filter(kind::equals).count();
    }
}
