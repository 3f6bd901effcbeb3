package org.smimed.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.internal.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The service config other languages are pointed to (the JSON beside the proto, which the
 * Node.js example loads) is the one every Java channel uses.
 */
class ServiceConfigTest {
  @Test
  void theJsonBesideTheProto_isTheJavaChannelsConfig() throws Exception {
    String json = Files.readString(
        Path.of("../proto/src/main/proto/smimed/v1/service-config.json"));

    assertThat(JsonParser.parse(json)).isEqualTo(ServiceConfig.forSmimed());
  }

  /** Shipped with the proto (a client trial found it in no release artifact). */
  @Test
  void theJsonIsInTheProtoJar_besideTheProto() throws Exception {
    ClassLoader loader = ServiceConfigTest.class.getClassLoader();
    try (var json = loader.getResourceAsStream("smimed/v1/service-config.json")) {
      assertThat(json).isNotNull();
      assertThat(JsonParser.parse(new String(json.readAllBytes(),
          java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(ServiceConfig.forSmimed());
    }
    assertThat(loader.getResource("smimed/v1/smimed.proto")).isNotNull();
  }

  /** A client-developer trial: a slow SignStream ended DEADLINE_EXCEEDED at 30 s. */
  @Test
  @SuppressWarnings("unchecked")
  void signStream_getsTheStreamsDeadline() {
    var configs = (java.util.List<java.util.Map<String, ?>>) ServiceConfig.forSmimed()
        .get("methodConfig");
    var signStream = configs.stream().filter(c -> ((java.util.List<?>) c.get("name")).contains(
        java.util.Map.of("service", "smimed.v1.SigningService", "method", "SignStream")))
        .toList();

    assertThat(signStream).singleElement().extracting(c -> c.get("timeout"))
        .isEqualTo("300s");
  }

  /**
   * Health checks only where a call has somewhere else to go: with one daemon, a refusal
   * should come from the daemon, with its reason, not from the client's balancer.
   */
  @Test
  void healthChecks_onlyForTargetsNamingSeveralDaemons() {
    assertThat(Channels.HealthChecks.WHEN_SEVERAL.appliesTo("a:8443,b:8443")).isTrue();
    assertThat(Channels.HealthChecks.WHEN_SEVERAL.appliesTo("dns:///smimed.internal:8443"))
        .isTrue();
    assertThat(Channels.HealthChecks.WHEN_SEVERAL.appliesTo("localhost:8443")).isFalse();
    assertThat(Channels.HealthChecks.NEVER.appliesTo("a:8443,b:8443")).isFalse();

    assertThat(ServiceConfig.forSmimed(true).get("healthCheckConfig"))
        .isEqualTo(java.util.Map.of("serviceName", ""));
    assertThat(ServiceConfig.forSmimed(false)).doesNotContainKey("healthCheckConfig")
        .containsKeys("loadBalancingConfig", "methodConfig");
  }
}
