package io.alignstream.deploy;

import static io.alignstream.deploy.DeployFiles.HEALTH_PATH;
import static io.alignstream.deploy.DeployFiles.HTTP_PORT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.deploy.DeployFiles.Instruction;
import io.alignstream.deploy.DeployFiles.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Static checks of {@code docker/}: no container engine (and no compose plugin) runs where the
 * project is built, so the compose file is parsed as YAML and the Dockerfiles as instructions.
 */
class DockerFilesTest {

    private static final Path ROOT = DeployFiles.root();
    private static final Path DOCKER = ROOT.resolve("docker");
    private static final Path COMPOSE = DOCKER.resolve("compose.yaml");
    /** Where compose publishes every port: the host's loopback, not all its interfaces. */
    private static final String LOOPBACK = "127.0.0.1";

    private static JsonNode services() {
        JsonNode services = DeployFiles.yaml(COMPOSE).path("services");
        assertThat(services.isObject()).as("compose.yaml has services").isTrue();
        return services;
    }

    private static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode node = service.path("environment");
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        } else if (node.isArray()) {
            node.forEach(item -> {
                String[] kv = item.asText().split("=", 2);
                env.put(kv[0], kv.length > 1 ? kv[1] : "");
            });
        }
        return env;
    }

    @Test
    void composeHasTheWholeStackWithPinnedImages() {
        JsonNode services = services();
        List<String> names = new ArrayList<>();
        services.fieldNames().forEachRemaining(names::add);
        assertThat(names).contains("kafka", "schema-registry", "alignstream", "prometheus", "grafana");
        services.fields().forEachRemaining(e -> {
            String image = e.getValue().path("image").asText(null);
            assertThat(image).as("service %s names an image", e.getKey()).isNotNull();
            assertThat(DeployFiles.pinned(image)).as("service %s: image %s is pinned (a tag, not latest)", e.getKey(), image)
                    .isTrue();
        });
        assertThat(services.path("kafka").path("image").asText()).startsWith("apache/kafka:4.");
        assertThat(services.path("schema-registry").path("image").asText()).startsWith("confluentinc/cp-schema-registry:");
        assertThat(services.path("prometheus").path("image").asText()).startsWith("prom/prometheus:");
        assertThat(services.path("grafana").path("image").asText()).startsWith("grafana/grafana:");
    }

    @Test
    void kafkaIsASingleKraftNodeReadyForExactlyOnce() {
        Map<String, String> env = environment(services().path("kafka"));
        assertThat(env).containsEntry("KAFKA_PROCESS_ROLES", "broker,controller")
                .containsEntry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
                .containsEntry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .containsEntry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .containsEntry("KAFKA_MIN_INSYNC_REPLICAS", "1")
                .containsKey("CLUSTER_ID");
        assertThat(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS")).startsWith(env.get("KAFKA_NODE_ID") + "@kafka:");
        // The bootstrap address the service and the registry use is an advertised listener.
        String internal = environment(services().path("alignstream")).get("ALIGNSTREAM_KAFKA_BOOTSTRAP_SERVERS");
        assertThat(env.get("KAFKA_ADVERTISED_LISTENERS")).contains("//" + internal);
        assertThat(environment(services().path("schema-registry")).get("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS"))
                .endsWith(internal);
    }

    @Test
    void theServiceIsConfiguredOnlyThroughValidAlignstreamKeys() {
        JsonNode service = services().path("alignstream");
        Map<String, String> env = environment(service);
        DeployFiles.assertValidAlignstreamEnvironment("compose service alignstream", env);
        // ... and the whole set is accepted as alignstream run would accept it.
        AlignstreamConfig config = DeployFiles.load(env, Map.of());
        assertThat(config.streamsProperties().get("bootstrap.servers")).isEqualTo("kafka:29092");
        assertThat(config.serdeConfig().get("schema.registry.url").toString())
                .isEqualTo("http://schema-registry:" + firstPublishedPort(services().path("schema-registry")));
        assertThat(config.httpPort()).isEqualTo(HTTP_PORT);
        // The admin token comes from the shell that runs compose, empty (the endpoint off) when unset.
        assertThat(env).containsEntry("ALIGNSTREAM_HTTP_ADMIN_TOKEN", "${ALIGNSTREAM_HTTP_ADMIN_TOKEN:-}");
        assertThat(service.path("build").path("dockerfile").asText()).isEqualTo("docker/Dockerfile");
        assertThat(COMPOSE.getParent().resolve(service.path("build").path("context").asText())
                .resolve(service.path("build").path("dockerfile").asText()).normalize()).isRegularFile();
        assertThat(ports(service)).contains(LOOPBACK + ":" + HTTP_PORT + ":" + HTTP_PORT);
        // SIGTERM lets Kafka Streams close within AlignstreamApp's 30 s close timeout.
        assertThat(service.path("stop_grace_period").asText()).matches("\\d+s");
        assertThat(Integer.parseInt(service.path("stop_grace_period").asText().replace("s", ""))).isGreaterThan(30);
    }

    private static List<String> ports(JsonNode service) {
        List<String> ports = new ArrayList<>();
        service.path("ports").forEach(p -> ports.add(p.asText()));
        return ports;
    }

    private static int firstPublishedPort(JsonNode service) {
        String mapping = ports(service).get(0);
        return Integer.parseInt(mapping.substring(mapping.lastIndexOf(':') + 1));
    }

    @Test
    void everyPublishedPortListensOnTheHostsLoopbackOnly() {
        int published = 0;
        for (var it = services().fields(); it.hasNext(); ) {
            var service = it.next();
            for (JsonNode port : service.getValue().path("ports")) {
                assertThat(hostIp(port)).as("service %s publishes %s", service.getKey(), port).isEqualTo(LOOPBACK);
                published++;
            }
        }
        assertThat(published).isGreaterThanOrEqualTo(5);
    }

    /** The host address of a published port: long syntax's host_ip, or short HOST_IP:HOST_PORT:CONTAINER_PORT. */
    private static String hostIp(JsonNode port) {
        if (port.isObject()) {
            return port.path("host_ip").asText();
        }
        Matcher m = Pattern.compile("([\\d.]+):\\d+:\\d+(/\\w+)?").matcher(port.asText());
        return m.matches() ? m.group(1) : "";
    }

    @Test
    void prometheusCannotBeShutDownOrAdministeredOverHttp() {
        List<String> command = new ArrayList<>();
        services().path("prometheus").path("command").forEach(c -> command.add(c.asText()));

        assertThat(command).isNotEmpty().noneMatch(c -> c.startsWith("--web.enable-lifecycle"))
                .noneMatch(c -> c.startsWith("--web.enable-admin-api"));
    }

    @Test
    void grafanaTakesItsAdminPasswordFromTheEnvironmentAndAdmitsNoAnonymousOrSelfMadeUsers() {
        Map<String, String> env = environment(services().path("grafana"));

        // compose stops with this message unless GRAFANA_ADMIN_PASSWORD is set and not empty
        assertThat(env.get("GF_SECURITY_ADMIN_PASSWORD")).matches("\\$\\{GRAFANA_ADMIN_PASSWORD:\\?[^}]+}");
        assertThat(env).containsEntry("GF_AUTH_ANONYMOUS_ENABLED", "false")
                .containsEntry("GF_USERS_ALLOW_SIGN_UP", "false");
    }

    @Test
    void everyHostFileMountedExistsInTheRepository() {
        JsonNode compose = DeployFiles.yaml(COMPOSE);
        Set<String> namedVolumes = new java.util.HashSet<>();
        compose.path("volumes").fieldNames().forEachRemaining(namedVolumes::add);
        int bindMounts = 0;
        for (var it = compose.path("services").fields(); it.hasNext(); ) {
            var service = it.next();
            for (JsonNode volume : service.getValue().path("volumes")) {
                String source = volume.asText().split(":")[0];
                if (source.startsWith(".") || source.startsWith("/")) {
                    Path host = COMPOSE.getParent().resolve(source).normalize();
                    assertThat(host).as("service %s mounts %s", service.getKey(), volume.asText()).exists();
                    assertThat(host.startsWith(ROOT)).as("%s lies in the repository", host).isTrue();
                    bindMounts++;
                } else {
                    assertThat(namedVolumes).as("service %s: named volume %s is declared", service.getKey(), source)
                            .contains(source);
                }
            }
        }
        assertThat(bindMounts).isGreaterThanOrEqualTo(6);
    }

    @Test
    void prometheusScrapesTheServiceByItsComposeNameWithTheOpsRules() {
        JsonNode prometheus = services().path("prometheus");
        Map<String, String> mounts = new LinkedHashMap<>();
        prometheus.path("volumes").forEach(v -> {
            String[] parts = v.asText().split(":");
            mounts.put(parts[1], parts[0]);
        });
        Path config = COMPOSE.getParent().resolve(mounts.get("/etc/prometheus/prometheus.yml")).normalize();
        JsonNode prometheusYml = DeployFiles.yaml(config);
        // rule_files resolve next to the mounted config: each must be mounted there from ops/.
        for (JsonNode rule : prometheusYml.path("rule_files")) {
            String mountedAt = "/etc/prometheus/" + rule.asText();
            assertThat(mounts).as("rule file %s is mounted", rule.asText()).containsKey(mountedAt);
            assertThat(mounts.get(mountedAt)).isEqualTo("../ops/prometheus/" + rule.asText());
        }
        assertThat(prometheusYml.path("rule_files")).hasSize(2);
        JsonNode job = null;
        for (JsonNode j : prometheusYml.path("scrape_configs")) {
            if (j.path("job_name").asText().equals("alignstream")) {
                job = j;
            }
        }
        assertThat(job).as("an alignstream job (the alerts use job=\"alignstream\")").isNotNull();
        assertThat(job.path("metrics_path").asText()).isEqualTo("/metrics");
        assertThat(job.path("static_configs").get(0).path("targets").get(0).asText()).isEqualTo("alignstream:" + HTTP_PORT);
        assertThat(prometheus.path("command").toString()).contains("--config.file=/etc/prometheus/prometheus.yml");
    }

    @Test
    void grafanaProvisionsTheOpsDashboardAndTheComposePrometheus() {
        JsonNode grafana = services().path("grafana");
        Map<String, String> env = environment(grafana);
        Map<String, String> mounts = new LinkedHashMap<>();
        grafana.path("volumes").forEach(v -> {
            String[] parts = v.asText().split(":");
            mounts.put(parts[1], parts[0]);
        });
        assertThat(mounts.get(env.get("ALIGNSTREAM_DASHBOARDS"))).isEqualTo("../ops/grafana/dashboards");
        String provisioning = env.get("GF_PATHS_PROVISIONING");
        assertThat(mounts.get(provisioning + "/dashboards")).isEqualTo("../ops/grafana/provisioning/dashboards");
        Path datasources = COMPOSE.getParent().resolve(mounts.get(provisioning + "/datasources")).normalize();
        JsonNode ds = DeployFiles.yaml(datasources.resolve("prometheus.yml")).path("datasources").get(0);
        assertThat(ds.path("url").asText()).isEqualTo("http://prometheus:" + firstPublishedPort(services().path("prometheus")));
        assertThat(ds.path("uid").asText()).isEqualTo("prometheus");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile", "Dockerfile.gpu"})
    void dockerfilesBuildTheJarAndRunItAsANonRootUser(String name) {
        Path dockerfile = DOCKER.resolve(name);
        List<Stage> stages = DeployFiles.dockerStages(dockerfile);
        assertThat(stages.size()).as("%s is multi-stage", name).isGreaterThanOrEqualTo(2);
        Set<String> stageNames = stages.stream().map(Stage::name).filter(n -> n != null)
                .map(String::toLowerCase).collect(Collectors.toSet());
        for (Stage stage : stages) {
            assertThat(DeployFiles.pinned(stage.image()) || stageNames.contains(stage.image().toLowerCase()))
                    .as("%s: FROM %s is pinned", name, stage.image()).isTrue();
        }
        Stage build = stages.get(0);
        String buildRun = build.instructions().stream().filter(i -> i.keyword().equals("RUN"))
                .map(Instruction::arguments).reduce("", (a, b) -> a + "\n" + b);
        assertThat(buildRun).contains("./mvnw -B").contains("-pl streams-app -am package -DskipTests");
        if (name.endsWith(".gpu")) {
            assertThat(buildRun).contains("-Pgpu");
        }
        // Every COPY from the build context names a file or folder of the repository.
        for (Stage stage : stages) {
            for (Instruction i : stage.instructions()) {
                if ((i.keyword().equals("COPY") || i.keyword().equals("ADD")) && !i.arguments().startsWith("--from")) {
                    List<String> parts = List.of(i.arguments().replaceAll("--\\S+\\s+", "").split("\\s+"));
                    for (String source : parts.subList(0, parts.size() - 1)) {
                        assertThat(ROOT.resolve(source)).as("%s: COPY %s", name, source).exists();
                    }
                }
            }
        }
        Stage runtime = stages.get(stages.size() - 1);
        List<Instruction> run = runtime.instructions();
        // The jar and lib/ are copied from where streams-app's build puts them.
        String pom = DeployFiles.text(ROOT.resolve("streams-app/pom.xml"));
        assertThat(pom).contains("<finalName>alignstream-service</finalName>")
                .contains("<mainClass>io.alignstream.app.AlignstreamService</mainClass>")
                .contains("<outputDirectory>${project.build.directory}/lib</outputDirectory>")
                .contains("<classpathPrefix>lib/</classpathPrefix>");
        List<String> copies = run.stream().filter(i -> i.keyword().equals("COPY")).map(Instruction::arguments).toList();
        String buildStage = build.name();
        assertThat(copies).contains("--from=" + buildStage + " /src/streams-app/target/alignstream-service.jar /app/alignstream-service.jar",
                "--from=" + buildStage + " /src/streams-app/target/lib/ /app/lib/");
        assertThat(build.instructions()).contains(new Instruction("WORKDIR", "/src"));
        // Non-root, the metrics port, a health check, java -jar the service jar (no subcommand).
        String user = last(run, "USER");
        assertThat(user).isNotNull().doesNotStartWith("root").doesNotStartWith("0");
        assertThat(last(run, "EXPOSE")).isEqualTo(String.valueOf(HTTP_PORT));
        assertThat(last(run, "HEALTHCHECK")).contains("http://127.0.0.1:" + HTTP_PORT + HEALTH_PATH);
        List<String> entrypoint = DeployFiles.jsonArray(last(run, "ENTRYPOINT"));
        assertThat(entrypoint.get(0)).isEqualTo("java");
        assertThat(entrypoint.subList(entrypoint.size() - 2, entrypoint.size())).containsExactly("-jar", "/app/alignstream-service.jar");
        assertThat(entrypoint).anyMatch(a -> a.startsWith("-XX:MaxRAMPercentage=") || a.startsWith("-Xmx"))
                .contains("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.alignstream");
        assertThat(last(run, "CMD")).isNull();
        // Its environment is alignstream configuration the app accepts.
        Map<String, String> env = env(run);
        DeployFiles.assertValidAlignstreamEnvironment(name, env);
        if (name.endsWith(".gpu")) {
            assertThat(env).containsEntry("ALIGNSTREAM_MODEL_DEVICE", "tensorrt");
            assertThat(runtime.image()).startsWith("nvcr.io/nvidia/tensorrt:");
        } else {
            assertThat(runtime.image()).startsWith("eclipse-temurin:17");
        }
        Map<String, String> withRequired = new LinkedHashMap<>(env);
        withRequired.put("ALIGNSTREAM_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092");
        withRequired.put("ALIGNSTREAM_KAFKA_SCHEMA_REGISTRY_URL", "http://registry:8081");
        AlignstreamConfig config = DeployFiles.load(withRequired, Map.of());
        assertThat(config.streamsProperties().get("state.dir")).isEqualTo("/var/lib/alignstream/state");
        // The service's default is loopback; the image binds every interface so that the published
        // port, the health check's peers and Prometheus reach it.
        assertThat(config.httpHost()).isEqualTo("0.0.0.0");
    }

    private static String last(List<Instruction> instructions, String keyword) {
        String found = null;
        for (Instruction i : instructions) {
            if (i.keyword().equals(keyword)) {
                found = i.arguments();
            }
        }
        return found;
    }

    private static Map<String, String> env(List<Instruction> instructions) {
        Map<String, String> env = new LinkedHashMap<>();
        Pattern pair = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)");
        for (Instruction i : instructions) {
            if (i.keyword().equals("ENV")) {
                Matcher m = pair.matcher(i.arguments());
                while (m.find()) {
                    env.put(m.group(1), m.group(2).replace("\"", ""));
                }
            }
        }
        return env;
    }

    @Test
    void theDockerignoreKeepsBuildOutputsOutOfTheContext() {
        assertThat(DeployFiles.text(ROOT.resolve(".dockerignore"))).contains("**/target/");
        assertThat(Files.isRegularFile(DOCKER.resolve("README.md"))).isTrue();
    }
}
