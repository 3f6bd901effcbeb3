package org.smimed.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.internal.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The service configs other languages are pointed to (the JSON files beside the proto, which
 * the Node.js example loads) are the ones Java channels use: {@code service-config.json} for one
 * daemon, {@code service-config-replicas.json} (with health checks) for several.
 */
class ServiceConfigTest {
  private static final String PROTO_DIR = "../proto/src/main/proto/";

  @Test
  void theJsonBesideTheProto_isTheJavaChannelsConfig() throws Exception {
    assertThat(JsonParser.parse(Files.readString(
        Path.of(PROTO_DIR + "smimed/v1/service-config.json"))))
        .isEqualTo(ServiceConfig.forSmimed(false));
    assertThat(JsonParser.parse(Files.readString(
        Path.of(PROTO_DIR + "smimed/v1/service-config-replicas.json"))))
        .isEqualTo(ServiceConfig.forSmimed(true));
  }

  /** Shipped with the proto (a client trial found it in no release artifact). */
  @Test
  void theJsonIsInTheProtoJar_besideTheProto() throws Exception {
    ClassLoader loader = ServiceConfigTest.class.getClassLoader();
    assertThat(parse(loader, "smimed/v1/service-config.json"))
        .isEqualTo(ServiceConfig.forSmimed(false));
    assertThat(parse(loader, "smimed/v1/service-config-replicas.json"))
        .isEqualTo(ServiceConfig.forSmimed(true));
    assertThat(loader.getResource("smimed/v1/smimed.proto")).isNotNull();
  }

  private static Object parse(ClassLoader loader, String resource) throws Exception {
    try (var json = loader.getResourceAsStream(resource)) {
      assertThat(json).as(resource).isNotNull();
      return JsonParser.parse(new String(json.readAllBytes(),
          java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  /** A client-developer trial: a slow SignStream ended DEADLINE_EXCEEDED at 30 s. */
  @Test
  @SuppressWarnings("unchecked")
  void signStream_getsTheStreamsDeadline() {
    var configs = (java.util.List<java.util.Map<String, ?>>) ServiceConfig.forSmimed(false)
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
