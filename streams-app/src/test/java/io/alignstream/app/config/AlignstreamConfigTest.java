package io.alignstream.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.fetch.FetchAllowList;
import io.alignstream.events.TensorDType;
import io.alignstream.metrics.AdminToken;
import io.alignstream.runtime.engine.DeviceSetting;
import io.alignstream.runtime.image.ImageLimits;
import io.alignstream.schemas.EventTopic;
import io.alignstream.text.CaptionPreparer;
import io.alignstream.schemas.TopicNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AlignstreamConfigTest {

    /** The two settings every configuration needs, plus {@code extra}. */
    static Map<String, Object> settings(Object... extra) {
        Map<String, Object> settings = new HashMap<>();
        settings.put("bootstrap.servers", "broker-1:9092");
        settings.put("schema.registry.url", "http://registry:8081");
        for (int i = 0; i < extra.length; i += 2) {
            settings.put((String) extra[i], extra[i + 1]);
        }
        return settings;
    }

    static AlignstreamConfig config(Object... extra) {
        return new AlignstreamConfig(settings(extra));
    }

    @Nested
    class Defaults {
        @Test
        void withOnlyTheAddressesSetEveryKeyHasItsDocumentedDefault() {
            // given only the Kafka and registry addresses
            // when the configuration is built
            AlignstreamConfig config = config();

            // then every key of ours has its default
            assertThat(config.topicNames()).isEqualTo(TopicNames.defaults());
            assertThat(config.topicsCreate()).isTrue();
            assertThat(config.topicsPartitions()).isEqualTo(6);
            assertThat(config.topicsReplicationFactor()).isEmpty();
            assertThat(config.topicsOutputRetentionMs()).isEqualTo(Duration.ofDays(7).toMillis());
            assertThat(config.topicsDeadLettersRetentionMs()).isEqualTo(Duration.ofDays(14).toMillis());
            assertThat(config.batchMaxSize()).isEqualTo(64);
            assertThat(config.batchMaxInputs()).isEqualTo(512);
            assertThat(config.batchMaxWait()).isEqualTo(Duration.ofMillis(20));
            assertThat(config.batchWorstCase()).isEqualTo(Duration.ofSeconds(5));
            assertThat(config.captionGrace()).isEqualTo(Duration.ofMinutes(5));
            assertThat(config.captionMaxCharacters()).isEqualTo(CaptionPreparer.DEFAULT_MAX_CHARACTERS);
            assertThat(config.captionMaxSubCaptions()).isEqualTo(CaptionPreparer.DEFAULT_MAX_SUB_CAPTIONS);
            assertThat(config.imageFetchMaxBytes()).isEqualTo(20L * 1024 * 1024);
            assertThat(config.imageFetchTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(config.imageFetchSchemes()).isEmpty();
            assertThat(config.imageFetchFileRoot()).isEmpty();
            assertThat(config.imageFetchAllow()).isEqualTo(FetchAllowList.NONE);
            assertThat(config.imageMaxPixels()).isEqualTo(ImageLimits.DEFAULT_MAX_DECLARED_PIXELS);
            assertThat(config.imageLimits()).isEqualTo(ImageLimits.defaults());
            assertThat(config.modelBundle()).isEmpty();
            assertThat(config.modelDevice()).isEqualTo(DeviceSetting.CPU);
            assertThat(config.engineConfig().intraOpThreads()).isZero();
            assertThat(config.outputIncludeRawEmbedding()).isTrue();
            assertThat(config.monitorEnabled()).isTrue();
            assertThat(config.monitorWindowPairs()).isEqualTo(512);
            assertThat(config.monitorWindowTime()).isEqualTo(java.time.Duration.ofMinutes(1));
            assertThat(config.monitorWindowMinPairs()).isEqualTo(16);
            assertThat(config.monitorRecallKs()).containsExactly(1, 5, 10);
            assertThat(config.outputAlignVlmDType()).isEqualTo(TensorDType.FLOAT32_LE);
            // loopback: nothing answers from the network unless asked for (the images ask for 0.0.0.0)
            assertThat(config.httpHost()).isEqualTo("127.0.0.1");
            assertThat(config.httpPort()).isEqualTo(9464);
            // no admin token: the state-changing endpoints are disabled
            assertThat(config.httpAdminToken().configured()).isFalse();
        }

        @Test
        void theDefaultTopicNamesAreTheCataloguesNames() {
            // given the topic catalogue in module schemas
            // when the default names are asked for, by role and by key
            TopicNames defaults = TopicNames.defaults();

            // then each is the catalogue's default name, under the key that configures it
            for (EventTopic topic : EventTopic.values()) {
                assertThat(defaults.name(topic)).isEqualTo(topic.defaultName());
                assertThat(AlignstreamConfig.CONFIG.configKeys().get(AlignstreamConfig.topicConfigKey(topic))
                        .defaultValue).isEqualTo(topic.defaultName());
            }
        }

        @Test
        void everyKeyOfOursStartsWithThePrefixAndHasADoc() {
            // given the declared keys
            // then each is ours by name, and documented
            AlignstreamConfig.CONFIG.configKeys().values().forEach(key -> {
                assertThat(key.name).startsWith(AlignstreamConfig.PREFIX);
                assertThat(key.documentation).as(key.name).isNotBlank();
            });
        }
    }

    @Nested
    class TypedValues {
        @Test
        void setValuesAreParsedToTheirTypes() {
            // given values for several kinds of key, as strings as a file gives them
            AlignstreamConfig config = config(
                    "alignstream.topic.images", "team-a.images",
                    "alignstream.topics.replication.factor", "3",
                    "alignstream.topics.create", "false",
                    "alignstream.image.fetch.schemes", "https",
                    "alignstream.image.fetch.file.root", "/data/images",
                    "alignstream.model.bundle", "/opt/bundle",
                    "alignstream.model.device", "TensorRT",
                    "alignstream.output.alignvlm.dtype", "FLOAT16_LE",
                    "alignstream.model.intra.op.threads", "2",
                    "alignstream.http.port", "-1");

            // then the getters return them typed
            assertThat(config.topicNames().images()).isEqualTo("team-a.images");
            assertThat(config.topicNames().captions()).isEqualTo(EventTopic.CAPTIONS.defaultName());
            assertThat(config.topicsReplicationFactor()).contains((short) 3);
            assertThat(config.topicsCreate()).isFalse();
            assertThat(config.imageFetchSchemes()).containsExactly("https");
            assertThat(config.imageFetchFileRoot()).contains("/data/images");
            assertThat(config.modelBundle()).contains("/opt/bundle");
            assertThat(config.modelDevice()).isEqualTo(DeviceSetting.TENSORRT);
            assertThat(config.outputAlignVlmDType()).isEqualTo(TensorDType.FLOAT16_LE);
            assertThat(config.engineConfig().intraOpThreads()).isEqualTo(2);
            assertThat(config.httpPort()).isEqualTo(-1);
        }

        @Test
        void anEmptySchemeListMeansImagesMustTravelInline() {
            // given no scheme allowed
            // when the configuration is built
            // then it is accepted and the allowed set is empty
            assertThat(config("alignstream.image.fetch.schemes", "").imageFetchSchemes()).isEmpty();
        }

        @Test
        void aTopicNameOfExactly249LegalCharactersIsAccepted() {
            // given a topic name at Kafka's length limit
            String name = "a".repeat(249);
            // then it is accepted
            assertThat(config("alignstream.topic.tevi", name).topicNames().tevi()).isEqualTo(name);
        }
    }

    @Nested
    class Validators {
        @ParameterizedTest(name = "{0}={1}")
        @CsvSource(delimiter = ';', value = {
            "alignstream.topic.images;has space",
            "alignstream.topic.captions;caption$",
            "alignstream.topic.tevi;..",
            "alignstream.topic.alignvlm;''",
            "alignstream.topic.dead.letters;dead/letters",
            "alignstream.topic.retrieval.quality;é",
            "alignstream.topics.create;maybe",
            "alignstream.topics.partitions;0",
            "alignstream.topics.replication.factor;0",
            "alignstream.topics.replication.factor;-2",
            "alignstream.topics.replication.factor;40000",
            "alignstream.topics.output.retention.ms;0",
            "alignstream.topics.dead.letters.retention.ms;-5",
            "alignstream.batch.max.size;0",
            "alignstream.batch.max.size;1025",
            "alignstream.batch.max.size;many",
            "alignstream.batch.max.wait.ms;-1",
            "alignstream.batch.worst.case.ms;0",
            "alignstream.caption.grace.ms;-1",
            "alignstream.caption.max.characters;0",
            "alignstream.caption.max.subcaptions;0",
            "alignstream.image.fetch.max.bytes;0",
            "alignstream.image.fetch.timeout.ms;0",
            "alignstream.image.fetch.schemes;'https,ftp'",
            "alignstream.image.fetch.allow;10.0.0.0/33",
            "alignstream.image.fetch.allow;'10.0.0.0/8,*.internal'",
            "alignstream.image.max.pixels;0",
            "alignstream.model.device;gpu",
            "alignstream.model.intra.op.threads;-1",
            "alignstream.output.alignvlm.dtype;FLOAT64_LE",
            "alignstream.output.include.raw.embedding;yes",
            "alignstream.http.host;''",
            "alignstream.http.port;65536",
            "alignstream.http.port;-2",
        })
        void aBadValueIsAnErrorNamingItsKey(String key, String value) {
            // given one key with a value outside its valid values
            // when the configuration is built
            // then it fails, and the message names the key
            assertThatThrownBy(() -> config(key, value))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(key);
        }

        @Test
        void aTopicNameLongerThan249CharactersIsAnError() {
            // given a topic name one character over Kafka's limit
            // when the configuration is built
            // then the message names the key and the limit
            assertThatThrownBy(() -> config("alignstream.topic.images", "a".repeat(250)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("alignstream.topic.images")
                    .hasMessageContaining("at most 249 characters");
        }

        @Test
        void twoRolesOnOneTopicIsAnErrorNamingBothKeys() {
            // given the captions configured onto the images topic
            // when the configuration is built
            // then it fails, naming both keys
            assertThatThrownBy(() -> config("alignstream.topic.captions", EventTopic.IMAGES.defaultName()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("alignstream.topic.captions")
                    .hasMessageContaining("alignstream.topic.images");
        }

        @Test
        void aFetchLimitOverWhatOneImageMayHoldOfTheMemoryBudgetIsRefused() {
            // given a memory budget of 1 MB, so one image may hold 0.5 MB, under the default fetch limit
            // then the configuration is refused, naming the limit and the budget, not every image later
            assertThatThrownBy(() -> config(AlignstreamConfig.FETCH_MEMORY_BUDGET_BYTES_CONFIG, "1000000"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(AlignstreamConfig.IMAGE_FETCH_MAX_BYTES_CONFIG)
                    .hasMessageContaining("500000 bytes");
        }

        @Test
        void aMisspeltKeyOfOursIsAnErrorSuggestingTheRightOne() {
            // given a key with our prefix that is not declared
            // when the configuration is built
            // then it fails, naming the key and the closest declared one
            assertThatThrownBy(() -> config("alignstream.batch.max.sise", "8"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("alignstream.batch.max.sise")
                    .hasMessageContaining("Did you mean alignstream.batch.max.size?");
        }

        @Test
        void withoutBootstrapServersTheErrorSaysWhatToSetAndWhere() {
            // given no bootstrap.servers
            Map<String, Object> settings = settings();
            settings.remove("bootstrap.servers");

            // when the configuration is built
            // then it fails, naming the key and its environment variable
            assertThatThrownBy(() -> new AlignstreamConfig(settings))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("bootstrap.servers")
                    .hasMessageContaining("ALIGNSTREAM_KAFKA_BOOTSTRAP_SERVERS");
        }

        @Test
        void withoutARegistryUrlTheErrorSaysWhatToSet() {
            // given a blank schema.registry.url
            // when the configuration is built
            // then it fails, naming the key
            assertThatThrownBy(() -> config("schema.registry.url", " "))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("schema.registry.url")
                    .hasMessageContaining("ALIGNSTREAM_KAFKA_SCHEMA_REGISTRY_URL");
        }

        @Test
        void aBadSerdeSettingFailsAtStartNotAtTheFirstRecord() {
            // given a registry URL the Serde cannot use
            // when the configuration is built
            // then the Serde's own validation names the key
            assertThatThrownBy(() -> config("schema.registry.url", "ftp://registry:8081"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("schema.registry.url");
        }
    }

    @Nested
    class HttpAdminToken {
        @Test
        void aSetTokenEnablesTheAdminEndpointsAndNamesWhereItIsSet() {
            // given a token in the configuration
            AlignstreamConfig config = config(AlignstreamConfig.HTTP_ADMIN_TOKEN_CONFIG, "s3cret-admin-token");

            // when the service takes it
            AdminToken token = config.httpAdminToken();

            // then it is configured, says which key and variable set it, and never shows the value
            assertThat(token.configured()).isTrue();
            assertThat(token.configuredBy()).isEqualTo("alignstream.http.admin.token (ALIGNSTREAM_HTTP_ADMIN_TOKEN)");
            assertThat(token.toString()).doesNotContain("s3cret");
            assertThat(String.valueOf(config.values().get(AlignstreamConfig.HTTP_ADMIN_TOKEN_CONFIG)))
                    .doesNotContain("s3cret");
        }

        @Test
        void anEmptyTokenLeavesThemDisabled() {
            // an empty variable (compose's default) is no token
            assertThat(config(AlignstreamConfig.HTTP_ADMIN_TOKEN_CONFIG, "").httpAdminToken().configured()).isFalse();
        }

        @Test
        void theTokenIsDeclaredAsAPassword() {
            assertThat(AlignstreamConfig.CONFIG.configKeys().get(AlignstreamConfig.HTTP_ADMIN_TOKEN_CONFIG).type)
                    .isEqualTo(ConfigDef.Type.PASSWORD);
        }
    }

    @Nested
    class ImageFetching {
        @Test
        void fileReferencesNeedAFileRoot() {
            // given file among the schemes and no root
            // then the configuration is refused, naming both keys
            assertThatThrownBy(() -> config("alignstream.image.fetch.schemes", "file,https"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("alignstream.image.fetch.schemes")
                    .hasMessageContaining("alignstream.image.fetch.file.root");
            // and with a root it is accepted and reaches the fetch limits
            assertThat(config("alignstream.image.fetch.schemes", "file,https", "alignstream.image.fetch.file.root", "/data/images")
                    .fetchLimits().fileRoot()).contains(Path.of("/data/images"));
        }

        @Test
        void theAllowListReachesTheFetchLimitsParsed() {
            // given an allow-list with a range, an address and port, and a host name
            AlignstreamConfig config = config("alignstream.image.fetch.schemes", "https",
                    "alignstream.image.fetch.allow", "10.20.0.0/16, 10.30.1.5:8443 ,images.internal");

            // then the fetch limits hold it, entry by entry
            assertThat(config.fetchLimits().allow()).isEqualTo(
                    FetchAllowList.parse(List.of("10.20.0.0/16", "10.30.1.5:8443", "images.internal")));
            assertThat(config.fetchLimits().allow().entries()).hasSize(3);
        }
    }

    @Nested
    class RecordSize {
        @Test
        void theProducersMaxRequestSizeIsTheLimitTheKeyingCheckAndDeadLettersKeepTo() {
            // given the producer's limit set as ordinary pass-through configuration, prefixed or not
            AlignstreamConfig prefixed = config("producer.max.request.size", "262144", "max.request.size", "999999");
            AlignstreamConfig plain = config("max.request.size", "500000");

            // then the prefixed one wins, and it reaches the topology and the dead letters' payload bound
            assertThat(prefixed.topologySettings().maxRecordBytes()).isEqualTo(262_144);
            assertThat(prefixed.deadLetterMaxPayloadBytes()).isEqualTo(262_144 - 16 * 1024);
            assertThat(plain.topologySettings().maxRecordBytes()).isEqualTo(500_000);
            // and unset it is Kafka's own default
            assertThat(config().topologySettings().maxRecordBytes()).isEqualTo(1024 * 1024);
        }

        @Test
        void aMaxRequestSizeThatIsNotABytesCountIsAnErrorNamingItsKey() {
            assertThatThrownBy(() -> config("producer.max.request.size", "256k").topologySettings())
                    .isInstanceOf(ConfigException.class).hasMessageContaining("producer.max.request.size");
        }
    }

    @Nested
    class Monitor {
        @Test
        void theMonitorNeedsTheRawEmbeddingInTeviRecords() {
            // given the monitor on (the default) and raw embeddings turned off
            // then the configuration is refused, naming both keys and both ways out
            assertThatThrownBy(() -> config("alignstream.output.include.raw.embedding", "false"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("alignstream.output.include.raw.embedding")
                    .hasMessageContaining("alignstream.monitor.enabled=false");
            assertThatCode(() -> config("alignstream.output.include.raw.embedding", "false",
                    "alignstream.monitor.enabled", "false")).doesNotThrowAnyException();
        }

        @Test
        void theReferenceIsKeptByDefaultOrReplacedAtEachStart() {
            assertThat(config().monitorNewReferenceOnStart()).isFalse();
            assertThat(config("alignstream.monitor.reference", "new-on-start").monitorNewReferenceOnStart()).isTrue();
            assertThatThrownBy(() -> config("alignstream.monitor.reference", "latest"))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("alignstream.monitor.reference");
        }

        @Test
        void recallKsMustBePositiveIntegers() {
            assertThatThrownBy(() -> config("alignstream.monitor.recall.ks", "1,five"))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("alignstream.monitor.recall.ks");
            assertThatThrownBy(() -> config("alignstream.monitor.recall.ks", "0,5"))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("at least 1");
            assertThat(config("alignstream.monitor.recall.ks", "10, 1,5,5").monitorRecallKs()).containsExactly(1, 5, 10);
        }
    }

    @Nested
    class BatchInputs {
        @Test
        void unsetItFollowsTheBatchSize() {
            // given only a batch size
            // then a batch holds eight times that in inputs: room for a full image call with its captions
            assertThat(config("alignstream.batch.max.size", "16").batchMaxInputs()).isEqualTo(128);
        }

        @Test
        void fewerInputsThanOneModelCallIsRefused() {
            // given a batch that could never fill one model call
            // when the configuration is built
            // then it is refused, naming both keys
            assertThatThrownBy(() -> config("alignstream.batch.max.size", "32", "alignstream.batch.max.inputs", "16"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("alignstream.batch.max.inputs")
                    .hasMessageContaining("alignstream.batch.max.size (32)");
        }
    }

    @Nested
    class TransactionTimeout {
        @Test
        void aBatchThatCannotFinishWithinTheDefaultTransactionIsRefusedWithTheThreeValuesAndTheFix() {
            // given exactly-once (the default) and a worst-case batch that, with the wait and the retry
            // budget, reaches 10 s
            // when the configuration is built
            // then the message names the values and how to fix it
            assertThatThrownBy(() -> config("alignstream.batch.worst.case.ms", "5980"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("alignstream.batch.max.wait.ms (20 ms)")
                    .hasMessageContaining("alignstream.batch.worst.case.ms (5980 ms)")
                    .hasMessageContaining("alignstream.fault.retry.budget.ms (4000 ms)")
                    .hasMessageContaining("transaction.timeout.ms (10000 ms, Kafka Streams' exactly-once default)")
                    .hasMessageContaining("Lower alignstream.batch.worst.case.ms, alignstream.batch.max.wait.ms or "
                            + "alignstream.fault.retry.budget.ms")
                    .hasMessageContaining("raise producer.transaction.timeout.ms above 10000");
        }

        @Test
        void justBelowTheTimeoutIsAccepted() {
            // given wait + worst case + retry budget one millisecond below the default timeout
            // then it is accepted
            assertThatCode(() -> config("alignstream.batch.worst.case.ms", "5979")).doesNotThrowAnyException();
        }

        @Test
        void aLongerTransactionTimeoutMakesRoomForTheBatch() {
            // given a slow batch and a transaction timeout set to fit it
            AlignstreamConfig config = config("alignstream.batch.worst.case.ms", "20000",
                    "transaction.timeout.ms", "30000");
            // then it is accepted, and the timeout comes from that key
            assertThat(config.transactionTimeout())
                    .isEqualTo(new AlignstreamConfig.TransactionTimeout("transaction.timeout.ms", 30_000, false));
        }

        @Test
        void theProducerPrefixedTimeoutWinsOverThePlainOne() {
            // given both spellings, the producer-prefixed one too short
            // when the configuration is built
            // then the prefixed one is used, as Kafka Streams does, and named in the message
            assertThatThrownBy(() -> config("alignstream.batch.worst.case.ms", "20000",
                    "transaction.timeout.ms", "60000", "producer.transaction.timeout.ms", "15000"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("producer.transaction.timeout.ms (15000 ms)");
        }

        @Test
        void atLeastOnceHasNoTransactionToFitIn() {
            // given at-least-once processing and a batch far longer than any default timeout
            // then it is accepted
            assertThatCode(() -> config("processing.guarantee", "at_least_once",
                    "alignstream.batch.worst.case.ms", "120000")).doesNotThrowAnyException();
        }

        @Test
        void aTimeoutThatIsNotANumberNamesItsKey() {
            assertThatThrownBy(() -> config("transaction.timeout.ms", "ten seconds"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("transaction.timeout.ms");
        }
    }

    @Nested
    class PassThrough {
        private final AlignstreamConfig config = config(
                "alignstream.batch.max.size", "8",
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"svc\" password=\"s3cret\";",
                "ssl.truststore.location", "/etc/kafka/truststore.jks",
                "producer.linger.ms", "5",
                "consumer.max.poll.records", "100",
                "admin.request.timeout.ms", "20000",
                "num.stream.threads", "2",
                "basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "svc:s3cret",
                "schema.registry.ssl.truststore.location", "/etc/registry/truststore.jks",
                "auto.register.schemas", "false");

        @Test
        void kafkaStreamsGetsEveryKeyThatIsNotOursUntouched() {
            // when Kafka Streams' properties are asked for
            Properties streams = config.streamsProperties();

            // then every non-alignstream key is there, as given, and none of ours
            config.originals().forEach((key, value) -> {
                if (!key.startsWith("alignstream.")) {
                    assertThat(streams).containsEntry(key, value);
                }
            });
            assertThat(streams.stringPropertyNames()).noneMatch(key -> key.startsWith("alignstream."));
        }

        @Test
        void kafkaStreamsGetsOurDefaultsOnlyWhenTheyAreAbsent() {
            // given nothing about the application id and guarantee
            // then ours are added
            assertThat(config.streamsProperties())
                    .containsEntry("application.id", "alignstream")
                    .containsEntry("processing.guarantee", "exactly_once_v2");

            // given both set
            Properties set = config("application.id", "alignstream-eu", "processing.guarantee", "at_least_once")
                    .streamsProperties();
            // then they are kept
            assertThat(set).containsEntry("application.id", "alignstream-eu")
                    .containsEntry("processing.guarantee", "at_least_once");
        }

        @Test
        void theSerdeGetsTheRegistryKeysAndNotTheKafkaOnes() {
            // when the Serde's configuration is asked for
            Map<String, Object> serde = config.serdeConfig();

            // then it holds the registry keys as given, and no Kafka client or alignstream key
            assertThat(serde).containsOnlyKeys("schema.registry.url", "basic.auth.credentials.source",
                    "basic.auth.user.info", "schema.registry.ssl.truststore.location", "auto.register.schemas");
            assertThat(serde).containsEntry("basic.auth.user.info", "svc:s3cret");
        }

        @Test
        void objectValuesPassThroughAsObjects() {
            // given a pass-through value set from code as a number
            AlignstreamConfig config = config("num.stream.threads", 4);
            // then Kafka Streams gets the same object
            assertThat(config.streamsProperties().get("num.stream.threads")).isEqualTo(4);
            assertThat(config.passThrough()).doesNotContainKeys("alignstream.batch.max.size");
            assertThat(Set.copyOf(config.passThrough().keySet()))
                    .containsExactlyInAnyOrder("bootstrap.servers", "schema.registry.url", "num.stream.threads");
            assertThat(Optional.ofNullable(config.serdeConfig().get("num.stream.threads"))).isEmpty();
        }
    }
}
