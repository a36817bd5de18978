package io.alignstream.deploy;

import static io.alignstream.deploy.DeployFiles.HEALTH_PATH;
import static io.alignstream.deploy.DeployFiles.HTTP_PORT;
import static io.alignstream.deploy.DeployFiles.READY_PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * Static checks of {@code ops/k8s/}: the base (CPU) manifests and the GPU overlay. When
 * {@code kubectl} is on PATH, both kustomizations are also rendered ({@code kubectl kustomize}
 * runs client-side) and the rendered objects checked.
 */
class KubernetesManifestsTest {

    private static final Path ROOT = DeployFiles.root();
    private static final Path BASE = ROOT.resolve("ops/k8s/base");
    private static final Path GPU = ROOT.resolve("ops/k8s/gpu");
    /** AlignstreamApp.CLOSE_TIMEOUT (package-private there): how long close() lets Streams commit. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private static Map<String, JsonNode> baseByKind() {
        Map<String, JsonNode> byKind = new LinkedHashMap<>();
        for (JsonNode resource : DeployFiles.yaml(BASE.resolve("kustomization.yaml")).path("resources")) {
            Path file = BASE.resolve(resource.asText());
            assertThat(file).as("kustomization resource %s", resource.asText()).isRegularFile();
            for (JsonNode doc : DeployFiles.yamlDocuments(file)) {
                assertThat(doc.path("apiVersion").asText()).as("%s has an apiVersion", file).isNotEmpty();
                byKind.put(doc.path("kind").asText(), doc);
            }
        }
        return byKind;
    }

    private static JsonNode container(JsonNode statefulSet) {
        JsonNode containers = statefulSet.path("spec").path("template").path("spec").path("containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    @Test
    void theBaseHasEveryPieceOfTheDeployment() {
        assertThat(baseByKind()).containsKeys("Namespace", "ConfigMap", "Secret", "Service", "StatefulSet",
                "PodDisruptionBudget", "NetworkPolicy");
    }

    private static JsonNode podSpec(JsonNode statefulSet) {
        return statefulSet.path("spec").path("template").path("spec");
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void theContainerRunsOnAReadOnlyRootWithoutPrivilegesBehindTheRuntimesSyscallFilter() {
        // given the base pod
        JsonNode pod = podSpec(baseByKind().get("StatefulSet"));
        JsonNode security = container(baseByKind().get("StatefulSet")).path("securityContext");

        // then the root filesystem is read-only, nothing escalates, no capability is left
        assertThat(security.path("readOnlyRootFilesystem").asBoolean(false)).isTrue();
        assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(security.path("privileged").asBoolean(false)).isFalse();
        assertThat(texts(security.path("capabilities").path("drop"))).containsExactly("ALL");
        assertThat(security.path("capabilities").path("add")).isEmpty();
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean(false)).isTrue();
        // and syscalls pass the runtime's default filter, which no container setting overrides
        assertThat(pod.path("securityContext").path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
        assertThat(security.path("seccompProfile").path("type").asText("RuntimeDefault")).isEqualTo("RuntimeDefault");
    }

    @Test
    void noServiceAccountTokenIsMountedForAFileReferenceToRead() {
        JsonNode pod = podSpec(baseByKind().get("StatefulSet"));

        assertThat(pod.path("automountServiceAccountToken").isBoolean()).as("set explicitly").isTrue();
        assertThat(pod.path("automountServiceAccountToken").asBoolean()).isFalse();
        for (JsonNode mount : container(baseByKind().get("StatefulSet")).path("volumeMounts")) {
            assertThat(mount.path("mountPath").asText()).doesNotStartWith("/var/run/secrets");
        }
    }

    @Test
    void everyDirectoryTheRuntimeWritesIsAWritableVolume() {
        // given the pod's mounts and volumes
        JsonNode statefulSet = baseByKind().get("StatefulSet");
        Map<String, JsonNode> mounts = new LinkedHashMap<>();
        container(statefulSet).path("volumeMounts").forEach(m -> mounts.put(m.path("mountPath").asText(), m));
        Map<String, JsonNode> volumes = new LinkedHashMap<>();
        podSpec(statefulSet).path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v));
        Map<String, String> env = new LinkedHashMap<>();
        container(statefulSet).path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));

        // then /tmp (java.io.tmpdir: ONNX Runtime, RocksDB and zstd extract their native libraries
        // there, the JVM keeps its perf data) is a bounded, writable emptyDir
        JsonNode tmp = mounts.get("/tmp");
        assertThat(tmp).as("a volume mounted at /tmp").isNotNull();
        assertThat(tmp.path("readOnly").asBoolean(false)).isFalse();
        JsonNode tmpVolume = volumes.get(tmp.path("name").asText());
        assertThat(tmpVolume.has("emptyDir")).isTrue();
        assertThat(tmpVolume.path("emptyDir").path("sizeLimit").asText()).isNotEmpty();
        // and DJL's cache (the tokenizers' native library) is pointed into it
        assertThat(env.get("DJL_CACHE_DIR")).startsWith("/tmp/");
        // and the images' home directory (DJL's default cache, the TensorRT engine cache under
        // ~/.cache) is the writable state volume, for both images
        JsonNode data = mounts.values().stream().filter(m -> m.path("name").asText().equals("data")).findFirst().orElseThrow();
        assertThat(data.path("readOnly").asBoolean(false)).isFalse();
        for (String dockerfile : List.of("docker/Dockerfile", "docker/Dockerfile.gpu")) {
            assertThat(homeDirectory(ROOT.resolve(dockerfile))).as(dockerfile).isEqualTo(data.path("mountPath").asText());
        }
    }

    /** The runtime user's home, from the {@code useradd --home-dir} of the image's last stage. */
    private static String homeDirectory(Path dockerfile) {
        List<DeployFiles.Stage> stages = DeployFiles.dockerStages(dockerfile);
        Pattern home = Pattern.compile("--home-dir\\s+(\\S+)");
        for (DeployFiles.Instruction i : stages.get(stages.size() - 1).instructions()) {
            Matcher m = home.matcher(i.arguments());
            if (i.keyword().equals("RUN") && m.find()) {
                return m.group(1);
            }
        }
        throw new AssertionError(dockerfile + " creates no user with --home-dir");
    }

    // ------------------------------------------------------------------------ the NetworkPolicy

    /** Cloud instance metadata (AWS, GCP, Azure, ...): hands out the node's credentials. */
    private static final String METADATA_ADDRESS = "169.254.169.254";

    private static JsonNode networkPolicy() {
        Map<String, JsonNode> base = baseByKind();
        assertThat(base).as("the base has a NetworkPolicy").containsKey("NetworkPolicy");
        return base.get("NetworkPolicy").path("spec");
    }

    @Test
    void theNetworkPolicySelectsTheServicesPodsBothWays() {
        JsonNode policy = networkPolicy();
        JsonNode podLabels = baseByKind().get("StatefulSet").path("spec").path("template").path("metadata").path("labels");

        assertThat(policy.path("podSelector").path("matchLabels")).isNotEmpty();
        policy.path("podSelector").path("matchLabels").fields().forEachRemaining(e ->
                assertThat(podLabels.path(e.getKey()).asText()).as("label %s", e.getKey()).isEqualTo(e.getValue().asText()));
        assertThat(texts(policy.path("policyTypes"))).containsExactlyInAnyOrder("Ingress", "Egress");
    }

    @Test
    void onlyPrometheusInTheMonitoringNamespaceReachesTheMetricsPort() {
        // given the one ingress rule
        JsonNode ingress = networkPolicy().path("ingress");
        assertThat(ingress).hasSize(1);
        JsonNode rule = ingress.get(0);

        // then it opens the metrics port alone
        assertThat(rule.path("ports")).hasSize(1);
        assertThat(rule.path("ports").get(0).path("protocol").asText("TCP")).isEqualTo("TCP");
        assertThat(rule.path("ports").get(0).path("port").asInt()).isEqualTo(HTTP_PORT);
        // to peers named by both a namespace and a pod selector (never an address range, never "any")
        assertThat(rule.path("from")).isNotEmpty();
        for (JsonNode peer : rule.path("from")) {
            assertThat(peer.has("ipBlock")).isFalse();
            assertThat(peer.path("namespaceSelector").path("matchLabels")).isNotEmpty();
            assertThat(peer.path("podSelector").path("matchLabels")).isNotEmpty();
        }
    }

    @Test
    void everySelectorLabelIsAPlaceholderOpsReadmeDocuments() {
        String readme = DeployFiles.text(ROOT.resolve("ops/README.md"));
        List<JsonNode> peers = new ArrayList<>();
        networkPolicy().path("ingress").forEach(r -> r.path("from").forEach(peers::add));
        networkPolicy().path("egress").forEach(r -> r.path("to").forEach(peers::add));
        int labels = 0;
        for (JsonNode peer : peers) {
            for (String selector : List.of("namespaceSelector", "podSelector")) {
                for (var it = peer.path(selector).path("matchLabels").fields(); it.hasNext(); labels++) {
                    var label = it.next();
                    assertThat(readme).as("ops/README.md documents %s=%s", label.getKey(), label.getValue().asText())
                            .contains("`" + label.getKey() + ": " + label.getValue().asText() + "`");
                }
            }
        }
        assertThat(labels).isGreaterThanOrEqualTo(8);
    }

    @Test
    void egressReachesOnlyDnsKafkaTheRegistryAndImageHosts() {
        // given the ports the ConfigMap's Kafka and registry addresses use
        Properties properties = configMapProperties();
        List<Integer> kafkaPorts = new ArrayList<>();
        for (String server : properties.getProperty("bootstrap.servers").split(",")) {
            kafkaPorts.add(Integer.parseInt(server.substring(server.lastIndexOf(':') + 1).strip()));
        }
        int registryPort = URI.create(properties.getProperty("schema.registry.url")).getPort();

        // when every egress rule is read as (peer kind, protocol/port)
        List<String> toSelectors = new ArrayList<>();
        List<String> toAddresses = new ArrayList<>();
        for (JsonNode rule : networkPolicy().path("egress")) {
            // no rule opens every destination or every port
            assertThat(rule.path("to")).as("egress rule %s names its peers", rule).isNotEmpty();
            assertThat(rule.path("ports")).as("egress rule %s names its ports", rule).isNotEmpty();
            boolean addresses = false;
            for (JsonNode peer : rule.path("to")) {
                addresses |= peer.has("ipBlock");
                if (!peer.has("ipBlock")) {
                    assertThat(peer.path("namespaceSelector").path("matchLabels")).as("%s", peer).isNotEmpty();
                    assertThat(peer.path("podSelector").path("matchLabels")).as("%s", peer).isNotEmpty();
                }
            }
            for (JsonNode port : rule.path("ports")) {
                assertThat(port.path("port").isInt()).as("%s: a numbered port, no range", port).isTrue();
                assertThat(port.has("endPort")).isFalse();
                (addresses ? toAddresses : toSelectors).add(port.path("protocol").asText("TCP") + "/" + port.path("port").asInt());
            }
        }

        // then in-cluster peers get DNS (both transports), Kafka's and the registry's ports, nothing else
        List<String> expected = new ArrayList<>(List.of("UDP/53", "TCP/53", "TCP/" + registryPort));
        kafkaPorts.forEach(p -> expected.add("TCP/" + p));
        assertThat(toSelectors).containsExactlyInAnyOrderElementsOf(expected.stream().distinct().toList());
        // and address ranges (the image hosts) get HTTPS and HTTP only
        assertThat(toAddresses).isNotEmpty().isSubsetOf("TCP/443", "TCP/80");
    }

    @Test
    void noEgressAddressRangeReachesTheInstanceMetadataService() {
        int broad = 0;
        for (JsonNode rule : networkPolicy().path("egress")) {
            for (JsonNode peer : rule.path("to")) {
                JsonNode block = peer.path("ipBlock");
                if (block.isMissingNode()) {
                    continue;
                }
                String cidr = block.path("cidr").asText();
                // Kubernetes refuses an exception outside its range
                for (String except : texts(block.path("except"))) {
                    assertThat(ipv4Contains(cidr, except.substring(0, except.indexOf('/')))).as("%s in %s", except, cidr).isTrue();
                }
                if (ipv4Contains(cidr, METADATA_ADDRESS)) {
                    broad++;
                    assertThat(texts(block.path("except"))).as("%s excepts the metadata address", cidr)
                            .contains(METADATA_ADDRESS + "/32");
                }
            }
        }
        // the image-host rule is such a broad range; this guards its exception
        assertThat(broad).isPositive();
    }

    /** Whether an IPv4 CIDR holds an IPv4 address (an IPv6 CIDR holds none). */
    private static boolean ipv4Contains(String cidr, String address) {
        if (cidr.contains(":")) {
            return false;
        }
        int slash = cidr.indexOf('/');
        int bits = Integer.parseInt(cidr.substring(slash + 1));
        long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
        return (ipv4(cidr.substring(0, slash)) & mask) == (ipv4(address) & mask);
    }

    private static long ipv4(String dotted) {
        long value = 0;
        for (String octet : dotted.split("\\.")) {
            value = (value << 8) | Integer.parseInt(octet);
        }
        return value;
    }

    @Test
    void probesAndPortsMatchWhatTheAppServes() {
        JsonNode container = container(baseByKind().get("StatefulSet"));
        JsonNode port = container.path("ports").get(0);
        assertThat(port.path("containerPort").asInt()).isEqualTo(HTTP_PORT);
        String portName = port.path("name").asText();
        assertThat(portName).isEqualTo("metrics");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo(HEALTH_PATH);
        assertThat(container.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo(HEALTH_PATH);
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo(READY_PATH);
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            assertThat(container.path(probe).path("httpGet").path("port").asText()).as(probe).isEqualTo(portName);
        }
        // ... and the ConfigMap's port is the one probed.
        assertThat(configMapProperties().getProperty(AlignstreamConfig.HTTP_PORT_CONFIG)).isEqualTo(String.valueOf(HTTP_PORT));
        assertThat(DeployFiles.text(ROOT.resolve("streams-app/src/main/java/io/alignstream/metrics/MetricsServer.java")))
                .contains("\"" + HEALTH_PATH + "\"", "\"" + READY_PATH + "\"");
        JsonNode service = baseByKind().get("Service");
        assertThat(service.path("spec").path("ports").get(0).path("port").asInt()).isEqualTo(HTTP_PORT);
        assertThat(service.path("spec").path("ports").get(0).path("targetPort").asText()).isEqualTo(portName);
        JsonNode annotations = baseByKind().get("StatefulSet").path("spec").path("template").path("metadata").path("annotations");
        assertThat(annotations.path("prometheus.io/scrape").asText()).isEqualTo("true");
        assertThat(annotations.path("prometheus.io/port").asText()).isEqualTo(String.valueOf(HTTP_PORT));
        assertThat(annotations.path("prometheus.io/path").asText()).isEqualTo("/metrics");
    }

    @Test
    void selectorsMatchThePodLabels() {
        Map<String, JsonNode> base = baseByKind();
        JsonNode podLabels = base.get("StatefulSet").path("spec").path("template").path("metadata").path("labels");
        List<JsonNode> selectors = List.of(base.get("StatefulSet").path("spec").path("selector").path("matchLabels"),
                base.get("Service").path("spec").path("selector"),
                base.get("PodDisruptionBudget").path("spec").path("selector").path("matchLabels"));
        for (JsonNode selector : selectors) {
            selector.fields().forEachRemaining(e ->
                    assertThat(podLabels.path(e.getKey()).asText()).as("label %s", e.getKey()).isEqualTo(e.getValue().asText()));
        }
        assertThat(base.get("Service").path("metadata").path("name").asText())
                .isEqualTo(base.get("StatefulSet").path("spec").path("serviceName").asText());
    }

    private static Properties configMapProperties() {
        JsonNode data = baseByKind().get("ConfigMap").path("data");
        assertThat(data.has("alignstream.properties")).isTrue();
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(data.path("alignstream.properties").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    private static Map<String, String> secretEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        baseByKind().get("Secret").path("stringData").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }

    @Test
    void theConfigMapAndSecretAreValidAlignstreamConfiguration() {
        Properties properties = configMapProperties();
        Map<String, String> file = new LinkedHashMap<>();
        properties.stringPropertyNames().forEach(k -> file.put(k, properties.getProperty(k)));
        DeployFiles.assertValidConfigKeys("ConfigMap alignstream.properties", file.keySet());
        DeployFiles.assertValidAlignstreamEnvironment("Secret", secretEnvironment());
        Map<String, String> env = new LinkedHashMap<>(secretEnvironment());
        container(baseByKind().get("StatefulSet")).path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        DeployFiles.assertValidAlignstreamEnvironment("StatefulSet env", env);
        // The config file the container names is the ConfigMap's key where it is mounted.
        JsonNode mount = container(baseByKind().get("StatefulSet")).path("volumeMounts").get(0);
        assertThat(env.get("ALIGNSTREAM_CONFIG_FILE")).isEqualTo(mount.path("mountPath").asText() + "/alignstream.properties");
        // The whole set loads as `alignstream run` would load it.
        env.remove("ALIGNSTREAM_CONFIG_FILE");
        AlignstreamConfig config = DeployFiles.load(env, file);
        assertThat(config.streamsProperties().getProperty("processing.guarantee")).isEqualTo("exactly_once_v2");
        assertThat(config.serdeConfig()).containsKey("basic.auth.user.info");
        // The kubelet's probes and Prometheus come from outside the pod: not the loopback default.
        assertThat(config.httpHost()).isEqualTo("0.0.0.0");
        // state.dir lies on the pod's volume.
        String stateDir = config.streamsProperties().getProperty("state.dir");
        JsonNode dataMount = null;
        for (JsonNode m : container(baseByKind().get("StatefulSet")).path("volumeMounts")) {
            if (m.path("name").asText().equals("data")) {
                dataMount = m;
            }
        }
        assertThat(dataMount).isNotNull();
        assertThat(stateDir).startsWith(dataMount.path("mountPath").asText() + "/");
    }

    @Test
    void theAdminTokenComesFromAnOptionalSecretNeverFromALiteral() {
        // given the container's environment
        JsonNode token = null;
        for (JsonNode e : container(baseByKind().get("StatefulSet")).path("env")) {
            if (e.path("name").asText().equals(ConfigSources.environmentVariable(AlignstreamConfig.HTTP_ADMIN_TOKEN_CONFIG))) {
                token = e;
            }
        }
        // then the admin token is a reference to a Secret key, optional (no Secret: the endpoint is
        // disabled, the pod still starts), and neither the ConfigMap nor the placeholder Secret holds one
        assertThat(token).as("an env entry for the admin token").isNotNull();
        assertThat(token.has("value")).isFalse();
        JsonNode ref = token.path("valueFrom").path("secretKeyRef");
        assertThat(ref.path("name").asText()).isNotBlank();
        assertThat(ref.path("key").asText()).isNotBlank();
        assertThat(ref.path("optional").asBoolean()).isTrue();
        assertThat(configMapProperties().stringPropertyNames()).doesNotContain(AlignstreamConfig.HTTP_ADMIN_TOKEN_CONFIG);
        assertThat(secretEnvironment()).doesNotContainKey(
                ConfigSources.environmentVariable(AlignstreamConfig.HTTP_ADMIN_TOKEN_CONFIG));
    }

    @Test
    void streamThreadsDoNotExceedPartitionsAndShutdownOutlastsTheCloseTimeout() {
        JsonNode statefulSet = baseByKind().get("StatefulSet");
        int partitions = Integer.parseInt(configMapProperties().getProperty(AlignstreamConfig.TOPICS_PARTITIONS_CONFIG));
        // A stream thread beyond the partition count gets no task (docs/scaling.md).
        int threads = Integer.parseInt(configMapProperties().getProperty(StreamsConfig.NUM_STREAM_THREADS_CONFIG));
        assertThat(threads).isPositive();
        assertThat(statefulSet.path("spec").path("replicas").asInt() * threads).isBetween(1, partitions);
        assertThat(DeployFiles.yaml(GPU.resolve("statefulset-gpu.yaml")).path("spec").path("replicas").asInt() * threads)
                .isBetween(1, partitions);
        assertThat(DeployFiles.text(ROOT.resolve("streams-app/src/main/java/io/alignstream/app/AlignstreamApp.java")))
                .contains("CLOSE_TIMEOUT = Duration.ofSeconds(" + CLOSE_TIMEOUT.toSeconds() + ")");
        assertThat(statefulSet.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asLong())
                .isGreaterThan(CLOSE_TIMEOUT.toSeconds());
        assertThat(baseByKind().get("PodDisruptionBudget").path("spec").path("maxUnavailable").asInt()).isEqualTo(1);
    }

    @Test
    void memoryFollowsTheMeasuredResidentSet() {
        JsonNode resources = container(baseByKind().get("StatefulSet")).path("resources");
        // docs/performance.md: 1464.7 MiB resident over 100k items; the heap is 40% of the limit.
        assertThat(mebibytes(resources.path("requests").path("memory").asText())).isGreaterThanOrEqualTo(1536);
        long limit = mebibytes(resources.path("limits").path("memory").asText());
        assertThat(limit).isGreaterThanOrEqualTo(2048);
        assertThat(limit * 0.6).as("room outside a 40%% heap for the 1.46 GiB native runtime").isGreaterThan(1464.7);
    }

    private static long mebibytes(String quantity) {
        if (quantity.endsWith("Gi")) {
            return Long.parseLong(quantity.replace("Gi", "")) * 1024;
        }
        assertThat(quantity).endsWith("Mi");
        return Long.parseLong(quantity.replace("Mi", ""));
    }

    @Test
    void imagesArePinned() {
        for (Path kustomization : List.of(BASE.resolve("kustomization.yaml"), GPU.resolve("kustomization.yaml"))) {
            for (JsonNode image : DeployFiles.yaml(kustomization).path("images")) {
                assertThat(image.path("newTag").asText()).as("%s", kustomization).isNotEmpty().isNotEqualTo("latest");
            }
        }
        String image = container(baseByKind().get("StatefulSet")).path("image").asText();
        assertThat(DeployFiles.pinned(image)).as(image).isTrue();
    }

    @Test
    void theGpuVariantRequestsAGpuAndTheTensorRtDevice() {
        JsonNode patch = DeployFiles.yaml(GPU.resolve("statefulset-gpu.yaml"));
        assertThat(patch.path("kind").asText()).isEqualTo("StatefulSet");
        assertThat(patch.path("metadata").path("name").asText())
                .isEqualTo(baseByKind().get("StatefulSet").path("metadata").path("name").asText());
        JsonNode container = container(patch);
        assertThat(container.path("name").asText()).isEqualTo(container(baseByKind().get("StatefulSet")).path("name").asText());
        assertThat(container.path("resources").path("limits").path("nvidia.com/gpu").asInt()).isEqualTo(1);
        assertThat(container.path("resources").path("requests").path("nvidia.com/gpu").asInt()).isEqualTo(1);
        Map<String, String> env = new LinkedHashMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        assertThat(env).containsEntry("ALIGNSTREAM_MODEL_DEVICE", "tensorrt");
        DeployFiles.assertValidAlignstreamEnvironment("GPU overlay", env);
        assertThat(container.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo(HEALTH_PATH);
        List<String> patches = new ArrayList<>();
        DeployFiles.yaml(GPU.resolve("kustomization.yaml")).path("patches").forEach(p -> patches.add(p.path("path").asText()));
        assertThat(patches).contains("statefulset-gpu.yaml");
        assertThat(DeployFiles.yaml(GPU.resolve("kustomization.yaml")).path("images").get(0).path("newTag").asText())
                .endsWith("-gpu");
        // ... and weakens none of the base's security settings
        JsonNode security = container.path("securityContext");
        assertThat(security.path("readOnlyRootFilesystem").asBoolean(true)).isTrue();
        assertThat(security.path("allowPrivilegeEscalation").asBoolean(false)).isFalse();
        assertThat(security.path("capabilities").path("add")).isEmpty();
        assertThat(patch.path("spec").path("template").path("spec").path("automountServiceAccountToken").asBoolean(false)).isFalse();
        assertThat(patch.path("spec").path("template").path("spec").path("securityContext").path("seccompProfile").isMissingNode()).isTrue();
    }

    @Test
    void bothKustomizationsRenderWithKubectl() throws Exception {
        assumeThat(onPath("kubectl")).as("kubectl on PATH (kubectl kustomize runs client-side)").isTrue();
        List<JsonNode> base = render(BASE);
        List<JsonNode> gpu = render(GPU);
        JsonNode baseSet = base.stream().filter(d -> d.path("kind").asText().equals("StatefulSet")).findFirst().orElseThrow();
        JsonNode gpuSet = gpu.stream().filter(d -> d.path("kind").asText().equals("StatefulSet")).findFirst().orElseThrow();
        assertThat(container(baseSet).path("image").asText()).endsWith(":0.1.0");
        assertThat(container(gpuSet).path("image").asText()).endsWith(":0.1.0-gpu");
        assertThat(container(gpuSet).path("resources").path("limits").path("nvidia.com/gpu").asInt()).isEqualTo(1);
        assertThat(container(baseSet).path("resources").path("limits").has("nvidia.com/gpu")).isFalse();
        List<String> gpuEnv = new ArrayList<>();
        container(gpuSet).path("env").forEach(e -> gpuEnv.add(e.path("name").asText()));
        assertThat(gpuEnv).contains("ALIGNSTREAM_MODEL_DEVICE", "ALIGNSTREAM_CONFIG_FILE");
        for (JsonNode doc : gpu) {
            if (!doc.path("kind").asText().equals("Namespace")) {
                assertThat(doc.path("metadata").path("namespace").asText()).isEqualTo("alignstream");
            }
        }
        // The GPU pods keep the base's hardening: read-only root, /tmp (larger), no token, the policy.
        assertThat(container(gpuSet).path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container(gpuSet).path("securityContext").path("capabilities").path("drop").get(0).asText()).isEqualTo("ALL");
        assertThat(podSpec(gpuSet).path("securityContext").path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
        assertThat(podSpec(gpuSet).path("automountServiceAccountToken").asBoolean(true)).isFalse();
        JsonNode baseTmp = volume(baseSet, "tmp");
        JsonNode gpuTmp = volume(gpuSet, "tmp");
        assertThat(gpuTmp.has("emptyDir")).isTrue();
        assertThat(mebibytes(gpuTmp.path("emptyDir").path("sizeLimit").asText()))
                .isGreaterThan(mebibytes(baseTmp.path("emptyDir").path("sizeLimit").asText()));
        assertThat(gpu).anyMatch(d -> d.path("kind").asText().equals("NetworkPolicy"));
    }

    private static JsonNode volume(JsonNode statefulSet, String name) {
        for (JsonNode v : podSpec(statefulSet).path("volumes")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static List<JsonNode> render(Path kustomization) throws Exception {
        Path out = Files.createTempFile("kustomize", ".yaml");
        try {
            Process process = new ProcessBuilder("kubectl", "kustomize", kustomization.toString())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as("kubectl kustomize %s: %s", kustomization,
                    Files.readString(out, StandardCharsets.UTF_8)).isZero();
            return DeployFiles.yamlDocuments(out);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
