package io.alignstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.alignstream.app.config.AlignstreamConfig;
import io.alignstream.app.config.ConfigSources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** Shared helpers of the deployment-file tests: the repository root, YAML, config-key checks. */
final class DeployFiles {

    /** What the app serves by default ({@code AlignstreamConfig} and {@code MetricsServer}). */
    static final int HTTP_PORT = (Integer) AlignstreamConfig.CONFIG.defaultValues().get(AlignstreamConfig.HTTP_PORT_CONFIG);
    static final String HEALTH_PATH = "/health";
    static final String READY_PATH = "/ready";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** A pinned image reference: a tag other than latest, or a digest. */
    private static final Pattern PINNED = Pattern.compile("^[^\\s:@]+(?::\\d+)?(?:/[^\\s:@]+)*(?::(?!latest$)[\\w][\\w.-]*|@sha256:[0-9a-f]{64})$");

    private DeployFiles() {
    }

    static Path root() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("streams-app/pom.xml")) && Files.isDirectory(dir.resolve("ops"))) {
                return dir;
            }
        }
        return fail("No repository root (streams-app/pom.xml and ops/) in %s or above", start);
    }

    static JsonNode yaml(Path file) {
        List<JsonNode> docs = yamlDocuments(file);
        assertThat(docs).as("%s holds one YAML document", file).hasSize(1);
        return docs.get(0);
    }

    /** Every document of a (possibly multi-document) YAML file, empty documents skipped. */
    static List<JsonNode> yamlDocuments(Path file) {
        try (YAMLParser parser = (YAMLParser) YAML.getFactory().createParser(file.toFile())) {
            List<JsonNode> docs = new ArrayList<>();
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot parse " + file, e);
        }
    }

    static boolean pinned(String image) {
        return image != null && PINNED.matcher(image).matches();
    }

    static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Checks environment variables the way {@code alignstream run} reads them: every
     * {@code ALIGNSTREAM_} variable must name a key ({@link ConfigSources#configKey}), a pass-through
     * one a key Kafka Streams, its clients or the registry Serde knows.
     */
    static void assertValidAlignstreamEnvironment(String where, Map<String, String> environment) {
        for (String variable : environment.keySet()) {
            if (!variable.startsWith(ConfigSources.ENV_PREFIX) || ConfigSources.NON_CONFIG_VARIABLES.contains(variable)) {
                continue;
            }
            String key;
            try {
                key = ConfigSources.configKey(variable);
            } catch (RuntimeException e) {
                fail("%s: %s", where, e.getMessage());
                return;
            }
            if (key.startsWith(AlignstreamConfig.PREFIX)) {
                assertThat(AlignstreamConfig.CONFIG.names()).as("%s: %s", where, variable).contains(key);
            } else {
                assertThat(isPassThroughKey(key)).as("%s: %s sets %s, which no Kafka client, Kafka Streams or the "
                        + "Schema Registry Serde reads", where, variable, key).isTrue();
            }
        }
    }

    /** Keys of a properties-style map (ConfigMap data): alignstream's or a known pass-through key. */
    static void assertValidConfigKeys(String where, Set<String> keys) {
        for (String key : keys) {
            if (key.startsWith(AlignstreamConfig.PREFIX)) {
                assertThat(AlignstreamConfig.CONFIG.names()).as("%s: %s is not an alignstream key", where, key).contains(key);
            } else {
                assertThat(isPassThroughKey(key)).as("%s: %s is read by nothing", where, key).isTrue();
            }
        }
    }

    static boolean isPassThroughKey(String key) {
        Set<String> known = new HashSet<>(StreamsConfig.configDef().names());
        known.addAll(ProducerConfig.configNames());
        known.addAll(ConsumerConfig.configNames());
        known.addAll(AdminClientConfig.configNames());
        if (known.contains(key)) {
            return true;
        }
        for (String prefix : List.of("producer.", "consumer.", "main.consumer.", "restore.consumer.",
                "global.consumer.", "admin.")) {
            if (key.startsWith(prefix) && known.contains(key.substring(prefix.length()))) {
                return true;
            }
        }
        return key.startsWith("schema.registry.") || key.startsWith("basic.auth.")
                || Set.of("auto.register.schemas", "use.latest.version", "key.subject.name.strategy",
                "value.subject.name.strategy", "bearer.auth.credentials.source", "bearer.auth.token").contains(key);
    }

    /** Loads the configuration the app would build from these variables: values valid, cross-key checks pass. */
    static AlignstreamConfig load(Map<String, String> environment, Map<String, String> properties) {
        try {
            Path file = Files.createTempFile("alignstream-deploy", ".properties");
            StringBuilder text = new StringBuilder();
            properties.forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
            Files.writeString(file, text);
            try {
                return ConfigSources.load(properties.isEmpty() ? Optional.empty() : Optional.of(file), environment, Map.of());
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Dockerfile: its instructions, continuation lines joined, comments dropped. */
    record Instruction(String keyword, String arguments) {
    }

    record Stage(String image, String name, List<Instruction> instructions) {
    }

    static List<Stage> dockerStages(Path dockerfile) {
        List<Instruction> all = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text(dockerfile).split("\n", -1)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String joined = current.toString().strip();
            current.setLength(0);
            if (joined.isEmpty()) {
                continue;
            }
            int space = joined.indexOf(' ');
            all.add(new Instruction(joined.substring(0, space).toUpperCase(), joined.substring(space + 1).strip()));
        }
        assertThat(current.toString().strip()).as("%s ends inside a continued line", dockerfile).isEmpty();
        List<Stage> stages = new ArrayList<>();
        Pattern from = Pattern.compile("(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+AS\\s+(\\S+))?", Pattern.CASE_INSENSITIVE);
        for (Instruction instruction : all) {
            if (instruction.keyword().equals("FROM")) {
                Matcher m = from.matcher(instruction.arguments());
                assertThat(m.matches()).as("%s: FROM %s", dockerfile, instruction.arguments()).isTrue();
                stages.add(new Stage(m.group(1), m.group(2), new ArrayList<>()));
            } else {
                if (stages.isEmpty()) {
                    assertThat(instruction.keyword()).as("%s: before the first FROM", dockerfile).isIn("ARG");
                    continue;
                }
                stages.get(stages.size() - 1).instructions().add(instruction);
            }
        }
        return stages;
    }

    static List<String> jsonArray(String exec) {
        try {
            ArrayNode array = (ArrayNode) new ObjectMapper().readTree(exec);
            List<String> out = new ArrayList<>();
            array.forEach(n -> out.add(n.asText()));
            return out;
        } catch (IOException | ClassCastException e) {
            return fail("Not a JSON exec form: %s", exec);
        }
    }
}
