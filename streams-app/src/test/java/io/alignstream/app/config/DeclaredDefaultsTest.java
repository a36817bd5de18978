package io.alignstream.app.config;

import static io.alignstream.app.config.AlignstreamConfig.BATCH_MAX_INPUTS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.BATCH_MAX_SIZE_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.BATCH_MAX_WAIT_MS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.CAPTION_GRACE_MS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.CAPTION_MAX_CHARACTERS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.CAPTION_MAX_SUBCAPTIONS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.HEALTH_FAILURE_WINDOW_MS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.HEALTH_TASK_FAILURES_MAX_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.HEALTH_THREAD_REPLACEMENTS_MAX_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.IMAGE_FETCH_ALLOW_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.IMAGE_FETCH_FILE_ROOT_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.IMAGE_FETCH_MAX_BYTES_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.IMAGE_FETCH_SCHEMES_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.IMAGE_FETCH_TIMEOUT_MS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.MONITOR_ENABLED_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.MONITOR_RECALL_KS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.MONITOR_REFERENCE_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.MONITOR_WINDOW_MIN_PAIRS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.MONITOR_WINDOW_PAIRS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.MONITOR_WINDOW_TIME_MS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.OUTPUT_ALIGNVLM_DTYPE_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.OUTPUT_INCLUDE_RAW_EMBEDDING_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.REFERENCE_NEW_ON_START;
import static io.alignstream.app.config.AlignstreamConfig.STATE_RETENTION_MS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.TOPICS_PARTITIONS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.TOPIC_ALIGNVLM_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.TOPIC_CAPTIONS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.TOPIC_DEAD_LETTERS_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.TOPIC_IMAGES_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.TOPIC_RETRIEVAL_QUALITY_CONFIG;
import static io.alignstream.app.config.AlignstreamConfig.TOPIC_TEVI_CONFIG;
import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.events.TensorDType;
import io.alignstream.fetch.FetchAllowList;
import io.alignstream.fetch.FetchLimits;
import io.alignstream.monitoring.quality.QualitySettings;
import io.alignstream.schemas.TopicNames;
import io.alignstream.topology.TopologySettings;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * The settings objects the service's code takes hold, when built from a configuration that sets
 * no {@code alignstream.*} key, the defaults declared in {@link AlignstreamConfig#CONFIG}, field
 * by field. Each field either comes from a declared key ({@link #FROM_KEYS}) or is named as set
 * by no key ({@link #NOT_CONFIGURABLE}); a new field that is neither fails the test.
 */
class DeclaredDefaultsTest {

    /** A field that comes from {@code key}, and how the key's declared default reads as the field's value. */
    private record FromKey(String key, Function<Object, Object> asField) { }

    private static final Map<String, FromKey> FROM_KEYS = Map.ofEntries(
            Map.entry("TopicNames.images", same(TOPIC_IMAGES_CONFIG)),
            Map.entry("TopicNames.captions", same(TOPIC_CAPTIONS_CONFIG)),
            Map.entry("TopicNames.tevi", same(TOPIC_TEVI_CONFIG)),
            Map.entry("TopicNames.alignVlm", same(TOPIC_ALIGNVLM_CONFIG)),
            Map.entry("TopicNames.deadLetters", same(TOPIC_DEAD_LETTERS_CONFIG)),
            Map.entry("TopicNames.retrievalQuality", same(TOPIC_RETRIEVAL_QUALITY_CONFIG)),
            Map.entry("TopologySettings.partitions", same(TOPICS_PARTITIONS_CONFIG)),
            Map.entry("TopologySettings.batchMaxSize", same(BATCH_MAX_SIZE_CONFIG)),
            // Declared unset: room for a full image batch with its captions.
            Map.entry("TopologySettings.batchMaxInputs", new FromKey(BATCH_MAX_INPUTS_CONFIG, unset -> unset != null
                    ? unset : TopologySettings.INPUTS_PER_IMAGE_SLOT * (Integer) declared(BATCH_MAX_SIZE_CONFIG))),
            Map.entry("TopologySettings.batchMaxWait", millis(BATCH_MAX_WAIT_MS_CONFIG)),
            Map.entry("TopologySettings.captionGrace", millis(CAPTION_GRACE_MS_CONFIG)),
            Map.entry("TopologySettings.stateRetentionMs", same(STATE_RETENTION_MS_CONFIG)),
            Map.entry("TopologySettings.captionMaxCharacters", same(CAPTION_MAX_CHARACTERS_CONFIG)),
            Map.entry("TopologySettings.captionMaxSubCaptions", same(CAPTION_MAX_SUBCAPTIONS_CONFIG)),
            Map.entry("TopologySettings.includeRawEmbedding", same(OUTPUT_INCLUDE_RAW_EMBEDDING_CONFIG)),
            Map.entry("TopologySettings.alignVlmDtype", new FromKey(OUTPUT_ALIGNVLM_DTYPE_CONFIG,
                    name -> TensorDType.valueOf((String) name))),
            Map.entry("FetchLimits.maxBytes", same(IMAGE_FETCH_MAX_BYTES_CONFIG)),
            Map.entry("FetchLimits.timeout", millis(IMAGE_FETCH_TIMEOUT_MS_CONFIG)),
            Map.entry("FetchLimits.allowedSchemes", new FromKey(IMAGE_FETCH_SCHEMES_CONFIG,
                    schemes -> Set.copyOf((List<?>) schemes))),
            Map.entry("FetchLimits.fileRoot", new FromKey(IMAGE_FETCH_FILE_ROOT_CONFIG, root -> ((String) root).isBlank()
                    ? Optional.empty() : Optional.of(Path.of((String) root).toAbsolutePath().normalize()))),
            Map.entry("FetchLimits.allow", new FromKey(IMAGE_FETCH_ALLOW_CONFIG,
                    entries -> FetchAllowList.parse(((List<?>) entries).stream().map(String::valueOf).toList()))),
            Map.entry("MonitorSettings.windowPairs", same(MONITOR_WINDOW_PAIRS_CONFIG)),
            Map.entry("MonitorSettings.windowTime", millis(MONITOR_WINDOW_TIME_MS_CONFIG)),
            Map.entry("MonitorSettings.minPairs", same(MONITOR_WINDOW_MIN_PAIRS_CONFIG)),
            Map.entry("MonitorSettings.newReferenceOnStart", new FromKey(MONITOR_REFERENCE_CONFIG,
                    REFERENCE_NEW_ON_START::equals)),
            Map.entry("QualitySettings.ks", ks(MONITOR_RECALL_KS_CONFIG)),
            Map.entry("LiveView.Monitor.enabled", same(MONITOR_ENABLED_CONFIG)),
            Map.entry("LiveView.Monitor.windowPairs", same(MONITOR_WINDOW_PAIRS_CONFIG)),
            Map.entry("LiveView.Monitor.windowTimeMs", same(MONITOR_WINDOW_TIME_MS_CONFIG)),
            Map.entry("LiveView.Monitor.minPairs", same(MONITOR_WINDOW_MIN_PAIRS_CONFIG)),
            Map.entry("LiveView.Monitor.recallKs", ks(MONITOR_RECALL_KS_CONFIG)),
            Map.entry("LivenessSettings.taskFailuresMax", same(HEALTH_TASK_FAILURES_MAX_CONFIG)),
            Map.entry("LivenessSettings.threadReplacementsMax", same(HEALTH_THREAD_REPLACEMENTS_MAX_CONFIG)),
            Map.entry("LivenessSettings.window", millis(HEALTH_FAILURE_WINDOW_MS_CONFIG)));

    /** Fields no key sets, each stated once next to the code that takes it. */
    private static final Set<String> NOT_CONFIGURABLE = Set.of(
            "FetchLimits.maxRedirects", // FetchLimits.SERVICE_MAX_REDIRECTS
            // The producer's own max.request.size (a pass-through key, AlignstreamConfig.producerMaxRequestSize())
            "TopologySettings.maxRecordBytes",
            // The figures' definition (docs/monitoring-figures.md): QualitySettings.builder()
            "QualitySettings.randomPairs", "QualitySettings.driftSamplesPerSide",
            "QualitySettings.frequentLatentShare", "QualitySettings.maskThreshold", "QualitySettings.alignVlmTopWords",
            "QualitySettings.reportedWords", "QualitySettings.seed");

    /** Settings that are fields of other settings: compared field by field too. */
    private static final Set<Class<?>> NESTED = Set.of(TopicNames.class, FetchLimits.class, QualitySettings.class);

    @Test
    void everySettingsFieldBuiltFromAnEmptyConfigurationIsItsKeysDeclaredDefault() {
        // given a configuration with only the two connection keys
        AlignstreamConfig config = new AlignstreamConfig(Map.of(
                "bootstrap.servers", "broker-1:9092", "schema.registry.url", "http://registry:8081"));

        // when the service builds the settings of the topology, the monitor, the live view and liveness from it
        List<Record> built = List.of(config.topologySettings(), config.monitorSettings(), config.liveViewMonitor(),
                config.livenessSettings());

        // then each field is the declared default of its key (or is one no key sets)
        List<String> fields = new ArrayList<>();
        SoftAssertions softly = new SoftAssertions();
        built.forEach(settings -> compare(settings, fields, softly));
        softly.assertAll();
        // and the tables above name no field that is gone
        assertThat(fields).as("fields of the settings objects").containsAll(FROM_KEYS.keySet())
                .containsAll(NOT_CONFIGURABLE);
    }

    private static void compare(Record settings, List<String> fields, SoftAssertions softly) {
        for (RecordComponent component : settings.getClass().getRecordComponents()) {
            String field = name(settings.getClass()) + "." + component.getName();
            Object value = value(settings, component);
            fields.add(field);
            if (NESTED.contains(component.getType())) {
                compare((Record) value, fields, softly);
            } else if (!NOT_CONFIGURABLE.contains(field)) {
                FromKey from = FROM_KEYS.get(field);
                softly.assertThat(from).as(field + " comes from no declared key: declare one in AlignstreamConfig.CONFIG "
                        + "and map it here, or list the field as set by no key").isNotNull();
                if (from != null) {
                    softly.assertThat(value).as(field + " against the declared default of " + from.key())
                            .isEqualTo(from.asField().apply(declared(from.key())));
                }
            }
        }
    }

    private static Object declared(String key) {
        return AlignstreamConfig.CONFIG.configKeys().get(key).defaultValue;
    }

    private static FromKey same(String key) {
        return new FromKey(key, Function.identity());
    }

    private static FromKey millis(String key) {
        return new FromKey(key, millis -> Duration.ofMillis((Long) millis));
    }

    private static FromKey ks(String key) {
        return new FromKey(key, ks -> ((List<?>) ks).stream().map(k -> Integer.parseInt(k.toString().trim())).toList());
    }

    private static String name(Class<?> type) {
        Class<?> outer = type.getEnclosingClass();
        return outer == null ? type.getSimpleName() : outer.getSimpleName() + "." + type.getSimpleName();
    }

    private static Object value(Record settings, RecordComponent component) {
        try {
            return component.getAccessor().invoke(settings);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot read " + component, e);
        }
    }
}
