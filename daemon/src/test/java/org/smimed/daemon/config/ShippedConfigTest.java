package org.smimed.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configurations shipped in deploy/ are valid: the only complaints allowed are files that
 * exist on a real host but not here (TLS material, the HSM's library, the PIN, the policy, the
 * audit log's directory).
 */
class ShippedConfigTest {
    private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void exampleConfig_hasOnlyMissingFileProblems() throws Exception {
        assertOnlyMissingFiles(DEPLOY.resolve("smimed.example.yaml"));
    }

    @Test
    void kubernetesConfigMap_hasOnlyMissingFileProblems() throws Exception {
        var configMap = new ObjectMapper(new YAMLFactory())
                .readTree(DEPLOY.resolve("kubernetes/configmap.yaml").toFile());
        Path config = Files.writeString(dir.resolve("smimed.yaml"),
                configMap.path("data").path("smimed.yaml").asText());
        assertOnlyMissingFiles(config);
    }

    @Test
    void kubernetesPolicy_isValid() throws Exception {
        var configMap = new ObjectMapper(new YAMLFactory())
                .readTree(DEPLOY.resolve("kubernetes/configmap.yaml").toFile());
        Path policy = Files.writeString(dir.resolve("policy.yaml"),
                configMap.path("data").path("policy.yaml").asText());
        // What the ConfigMap means to grant, rule by rule (a test review: isNotNull could not
        // fail, so an emptied policy passed).
        var rules = new org.smimed.daemon.policy.PolicyLoader().load(policy).rules();
        assertThat(rules).extracting(r -> r.name()).containsExactly("invoice-service",
                "inbound-mail", "security-officer");
        assertThat(rules.get(0).sign()).hasSize(1);
        assertThat(rules.get(1).decryptsPerMinute()).hasValue(600);
        assertThat(rules.get(2).officer()).isTrue();
    }

    /**
     * The audit log is the one thing a replica keeps; on an emptyDir it would be lost with the
     * pod, so the directory the ConfigMap names must be one of the StatefulSet's claims.
     */
    @Test
    void kubernetesAuditLog_isOnAPersistentVolumeOfItsOwn() throws Exception {
        var yaml = new ObjectMapper(new YAMLFactory());
        var configMap = yaml.readTree(DEPLOY.resolve("kubernetes/configmap.yaml").toFile());
        String auditFile = yaml.readTree(configMap.path("data").path("smimed.yaml").asText())
                .path("audit").path("file").asText();
        var set = yaml.readTree(DEPLOY.resolve("kubernetes/statefulset.yaml").toFile());
        assertThat(set.path("kind").asText()).isEqualTo("StatefulSet");

        String volume = null;
        for (var mount : set.at("/spec/template/spec/containers/0/volumeMounts")) {
            if (auditFile.startsWith(mount.path("mountPath").asText() + "/")) {
                volume = mount.path("name").asText();
            }
        }
        assertThat(volume).as("a volume mounted over " + auditFile).isNotNull();
        var claims = new java.util.ArrayList<String>();
        set.at("/spec/volumeClaimTemplates")
                .forEach(c -> claims.add(c.at("/metadata/name").asText()));
        assertThat(claims).contains(volume);
        for (var podVolume : set.at("/spec/template/spec/volumes")) {
            assertThat(podVolume.path("name").asText()).as("pod volume shadowing the claim")
                    .isNotEqualTo(volume);
        }
    }

    private static void assertOnlyMissingFiles(Path config) {
        assertThatThrownBy(() -> new ConfigLoader().load(config))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .isNotEmpty()
                        .allSatisfy(p -> assertThat(p).containsAnyOf(": no readable file at ",
                                "must be a file in an existing directory")));
    }
}
