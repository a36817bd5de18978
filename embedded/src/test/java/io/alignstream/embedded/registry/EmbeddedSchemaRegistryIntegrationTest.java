package io.alignstream.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.alignstream.embedded.kafka.EmbeddedKafkaBroker;
import io.alignstream.embedded.registry.RegistryHttp.Response;
import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Specification of {@link EmbeddedSchemaRegistry}, spoken to over plain HTTP as a Confluent
 * client would. One real broker for the whole class; every test gets a fresh registry on a topic
 * of its own.
 */
class EmbeddedSchemaRegistryIntegrationTest {

    private static final String USER_V1 = record("User",
            "{\"name\": \"name\", \"type\": \"string\"}");
    /** v1 plus an optional field: BACKWARD and FORWARD compatible with v1. */
    private static final String USER_V2 = record("User",
            "{\"name\": \"name\", \"type\": \"string\"}",
            "{\"name\": \"age\", \"type\": \"int\", \"default\": 0}");
    /** v2 with the default dropped: reads v2 data, but not v1 data (no age there). */
    private static final String USER_V3_AGE_REQUIRED = record("User",
            "{\"name\": \"name\", \"type\": \"string\"}",
            "{\"name\": \"age\", \"type\": \"int\"}");
    /** v1 plus a field without default: cannot read v1 data. */
    private static final String USER_WITH_REQUIRED_EMAIL = record("User",
            "{\"name\": \"name\", \"type\": \"string\"}",
            "{\"name\": \"email\", \"type\": \"string\"}");

    private static EmbeddedKafkaBroker kafka;

    private EmbeddedSchemaRegistry registry;
    private RegistryHttp http;
    private String topic;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafkaBroker.builder().start();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @BeforeEach
    void startRegistry() {
        topic = "_schemas-" + UUID.randomUUID();
        registry = startRegistryOn(topic);
        http = new RegistryHttp(registry.url());
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    @Nested
    class Registering {

        @Test
        void aNewSchemaGetsAnIdAndBecomesVersionOne() {
            // when
            Response registered = http.register("users-value", USER_V1);

            // then
            assertThat(registered.status()).isEqualTo(200);
            assertThat(registered.contentType()).isEqualTo(RegistryHttpHandler.CONTENT_TYPE);
            int id = registered.json().get("id").asInt();
            assertThat(id).isPositive();
            assertThat(http.get("/subjects").json()).containsExactly(text("users-value"));
            assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[1]");
            JsonNode v1 = http.get("/subjects/users-value/versions/1").json();
            assertThat(v1.get("subject").asText()).isEqualTo("users-value");
            assertThat(v1.get("version").asInt()).isEqualTo(1);
            assertThat(v1.get("id").asInt()).isEqualTo(id);
            assertThat(parse(v1.get("schema").asText())).isEqualTo(parse(USER_V1));
            assertThat(http.get("/subjects/users-value/versions/latest").json()).isEqualTo(v1);
            assertThat(parse(http.get("/subjects/users-value/versions/1/schema").body()))
                    .isEqualTo(parse(USER_V1));
        }

        @Test
        void reRegisteringTheSameSchemaReturnsTheSameIdAndNoNewVersion() {
            // given
            int id = http.registerOk("users-value", USER_V1);

            // when the same schema comes again, even formatted differently
            int again = http.registerOk("users-value", USER_V1.replace(" ", "\n  "));

            // then
            assertThat(again).isEqualTo(id);
            assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[1]");
        }

        @Test
        void theSameSchemaUnderTwoSubjectsHasOneId() {
            // given the generated CaptionEvent schema under one subject
            String schema = CaptionEvent.getClassSchema().toString();
            int id = http.registerOk("captions-value", schema);

            // when it is registered under a second subject
            int other = http.registerOk("captions-replay-value", schema);

            // then both share the id, and the id knows both
            assertThat(other).isEqualTo(id);
            assertThat(http.get("/schemas/ids/" + id + "/versions").json().toString())
                    .isEqualTo("[{\"subject\":\"captions-replay-value\",\"version\":1},"
                            + "{\"subject\":\"captions-value\",\"version\":1}]");
        }

        @Test
        void aCompatibleEvolutionGetsTheNextVersionAndANewId() {
            // given
            int v1 = http.registerOk("users-value", USER_V1);

            // when
            int v2 = http.registerOk("users-value", USER_V2);

            // then
            assertThat(v2).isGreaterThan(v1);
            assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[1,2]");
            assertThat(http.get("/subjects/users-value/versions/latest").json().get("id").asInt())
                    .isEqualTo(v2);
        }

        @Test
        void lookupFindsTheVersionHoldingASchema() {
            // given two versions
            http.registerOk("users-value", USER_V1);
            int v2 = http.registerOk("users-value", USER_V2);

            // when looking up v2's schema
            Response found = http.post("/subjects/users-value", RegistryHttp.schemaBody(USER_V2));

            // then
            assertThat(found.status()).isEqualTo(200);
            assertThat(found.json().get("id").asInt()).isEqualTo(v2);
            assertThat(found.json().get("version").asInt()).isEqualTo(2);
            assertThat(found.json().get("subject").asText()).isEqualTo("users-value");

            // and a schema never registered there is not found (40403)
            Response missing = http.post("/subjects/users-value",
                    RegistryHttp.schemaBody(USER_WITH_REQUIRED_EMAIL));
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.errorCode()).isEqualTo(40403);
        }

        @Test
        void anInvalidSchemaIsRejectedWith42201() {
            Response r = http.register("users-value", "{\"type\": \"record\", \"name\": \"X\"}");

            assertThat(r.status()).isEqualTo(422);
            assertThat(r.errorCode()).isEqualTo(42201);
            assertThat(http.get("/subjects").body()).isEqualTo("[]");
        }
    }

    @Nested
    class EnforcingCompatibility {

        @Test
        void underBackwardANewFieldWithoutDefaultIsRefusedWithAvrosReason() {
            // given v1 under the default level (BACKWARD)
            http.registerOk("users-value", USER_V1);

            // when a schema that cannot read v1 data is registered
            Response r = http.register("users-value", USER_WITH_REQUIRED_EMAIL);

            // then 409, saying what Avro found, and nothing was added
            assertThat(r.status()).isEqualTo(409);
            assertThat(r.errorCode()).isEqualTo(409);
            assertThat(r.message())
                    .contains("incompatible with an earlier schema for subject \"users-value\"")
                    .contains("READER_FIELD_MISSING_DEFAULT_VALUE")
                    .contains("email")
                    .contains("version 1");
            assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[1]");
        }

        @Test
        void underBackwardTransitiveEveryEarlierVersionCounts() {
            // given v1 and v2 under BACKWARD_TRANSITIVE, and the same history under BACKWARD
            http.put("/config/transitive-value", "{\"compatibility\": \"BACKWARD_TRANSITIVE\"}");
            http.registerOk("transitive-value", USER_V1);
            http.registerOk("transitive-value", USER_V2);
            http.registerOk("latest-only-value", USER_V1);
            http.registerOk("latest-only-value", USER_V2);

            // when v3, compatible with v2 but not with v1, is registered under both
            Response transitive = http.register("transitive-value", USER_V3_AGE_REQUIRED);
            Response latestOnly = http.register("latest-only-value", USER_V3_AGE_REQUIRED);

            // then BACKWARD_TRANSITIVE refuses it because of v1; BACKWARD accepts it
            assertThat(transitive.status()).isEqualTo(409);
            assertThat(transitive.message())
                    .contains("BACKWARD_TRANSITIVE")
                    .contains("version 1")
                    .contains("READER_FIELD_MISSING_DEFAULT_VALUE")
                    .doesNotContain("version 2");
            assertThat(latestOnly.status()).isEqualTo(200);
        }

        @Test
        void theCompatibilityEndpointAnswersWithoutRegistering() {
            // given
            http.registerOk("users-value", USER_V1);

            // when
            Response bad = http.post("/compatibility/subjects/users-value/versions/latest"
                    + "?verbose=true", RegistryHttp.schemaBody(USER_WITH_REQUIRED_EMAIL));
            Response good = http.post("/compatibility/subjects/users-value/versions/1",
                    RegistryHttp.schemaBody(USER_V2));

            // then
            assertThat(bad.status()).isEqualTo(200);
            assertThat(bad.json().get("is_compatible").asBoolean()).isFalse();
            assertThat(bad.json().get("messages").get(0).asText())
                    .contains("READER_FIELD_MISSING_DEFAULT_VALUE");
            assertThat(good.json().get("is_compatible").asBoolean()).isTrue();
            assertThat(good.json().has("messages")).isFalse();
            assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[1]");
        }

        @Test
        void checkingAgainstTheLatestVersionOfAnEmptySubjectIsCompatible() {
            Response r = http.post("/compatibility/subjects/nobody-value/versions/latest",
                    RegistryHttp.schemaBody(USER_V1));

            assertThat(r.json().get("is_compatible").asBoolean()).isTrue();
        }
    }

    @Nested
    class ConfiguringCompatibility {

        @Test
        void theGlobalLevelDefaultsToBackwardAndCanBeChanged() {
            assertThat(http.get("/config").json().get("compatibilityLevel").asText())
                    .isEqualTo("BACKWARD");

            Response put = http.put("/config", "{\"compatibility\": \"FULL\"}");

            assertThat(put.status()).isEqualTo(200);
            assertThat(put.json().get("compatibility").asText()).isEqualTo("FULL");
            assertThat(http.get("/config").json().get("compatibilityLevel").asText())
                    .isEqualTo("FULL");
        }

        @Test
        void aSubjectLevelOverridesTheGlobalOne() {
            // given a subject without its own level
            http.registerOk("users-value", USER_V1);
            assertThat(http.get("/config/users-value").errorCode()).isEqualTo(40408);
            assertThat(http.get("/config/users-value?defaultToGlobal=true").json()
                    .get("compatibilityLevel").asText()).isEqualTo("BACKWARD");

            // when it is set to NONE
            Response put = http.put("/config/users-value", "{\"compatibility\": \"NONE\"}");

            // then it reads back, and an incompatible schema is now accepted there
            assertThat(put.json().get("compatibility").asText()).isEqualTo("NONE");
            assertThat(http.get("/config/users-value").json().get("compatibilityLevel").asText())
                    .isEqualTo("NONE");
            assertThat(http.register("users-value", USER_WITH_REQUIRED_EMAIL).status())
                    .isEqualTo(200);
            assertThat(http.get("/config").json().get("compatibilityLevel").asText())
                    .isEqualTo("BACKWARD");
        }

        @Test
        void anUnknownLevelIsRejectedWith42203() {
            Response r = http.put("/config", "{\"compatibility\": \"SIDEWAYS\"}");

            assertThat(r.status()).isEqualTo(422);
            assertThat(r.errorCode()).isEqualTo(42203);
        }
    }

    @Nested
    class ReportingWhatIsMissing {

        @Test
        void anUnknownSchemaIdIs40403() {
            Response r = http.get("/schemas/ids/424242");

            assertThat(r.status()).isEqualTo(404);
            assertThat(r.errorCode()).isEqualTo(40403);
        }

        @Test
        void anUnknownSubjectIs40401() {
            Response versions = http.get("/subjects/nobody-value/versions");
            Response latest = http.get("/subjects/nobody-value/versions/latest");

            assertThat(versions.status()).isEqualTo(404);
            assertThat(versions.errorCode()).isEqualTo(40401);
            assertThat(latest.errorCode()).isEqualTo(40401);
        }

        @Test
        void anUnknownVersionIs40402AndANonsenseVersionIs42202() {
            http.registerOk("users-value", USER_V1);

            assertThat(http.get("/subjects/users-value/versions/7").errorCode()).isEqualTo(40402);
            Response nonsense = http.get("/subjects/users-value/versions/first");
            assertThat(nonsense.status()).isEqualTo(422);
            assertThat(nonsense.errorCode()).isEqualTo(42202);
        }

        @Test
        void aSoftDeletedSubjectDisappearsButItsIdsStillResolve() {
            // given
            int id = http.registerOk("users-value", USER_V1);

            // when
            Response deleted = http.delete("/subjects/users-value");

            // then
            assertThat(deleted.body()).isEqualTo("[1]");
            assertThat(http.get("/subjects").body()).isEqualTo("[]");
            assertThat(http.get("/subjects/users-value/versions").errorCode()).isEqualTo(40401);
            assertThat(http.get("/subjects?deleted=true").json())
                    .containsExactly(text("users-value"));
            assertThat(parse(http.get("/schemas/ids/" + id).json().get("schema").asText()))
                    .isEqualTo(parse(USER_V1));
        }

        @Test
        void theServerDescribesItself() {
            assertThat(http.get("/").body()).isEqualTo("{}");
            assertThat(http.get("/schemas/types").body()).isEqualTo("[\"AVRO\"]");
            assertThat(http.get("/nowhere").status()).isEqualTo(404);
        }
    }

    @Nested
    class RefusingWhatIsNotMeantForIt {

        @Test
        void aPageThatRebindsItsNameToLoopbackIsRefusedWith421() {
            // given a web page whose host name now resolves to 127.0.0.1: the browser reaches the
            // registry's port, but sends the page's own name as Host
            String foreign = "GET /subjects HTTP/1.1\r\nHost: attacker.example:" + registry.port()
                    + "\r\nConnection: close";
            String own = "GET /subjects HTTP/1.1\r\nHost: " + http.authority() + "\r\nConnection: close";

            // when
            Response refused = http.raw(foreign, new byte[0]);
            Response served = http.raw(own, new byte[0]);

            // then
            assertThat(refused.status()).isEqualTo(421);
            assertThat(refused.contentType()).isEqualTo(RegistryHttpHandler.CONTENT_TYPE);
            assertThat(refused.errorCode()).isEqualTo(421);
            assertThat(served.status()).isEqualTo(200);
            assertThat(served.body()).isEqualTo("[]");
        }

        @Test
        void aDeclaredBodyAboveTheLimitIsRefusedWith413BeforeItIsSent() {
            // given a registration that declares one byte more than the default limit, none of it sent
            String head = "POST /subjects/users-value/versions HTTP/1.1\r\nHost: " + http.authority()
                    + "\r\nContent-Type: " + RegistryHttpHandler.CONTENT_TYPE
                    + "\r\nContent-Length: " + (EmbeddedSchemaRegistry.DEFAULT_MAX_REQUEST_BYTES + 1);

            // when
            Response r = http.raw(head, new byte[0]);

            // then the registry answers without waiting for the body
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.errorCode()).isEqualTo(413);
            assertThat(http.get("/subjects").body()).isEqualTo("[]");
        }

        @Test
        void aChunkedBodyAboveTheBuildersLimitIsRefusedWith413() {
            // given a registry limited to 1 KiB, and a chunked registration of 1 KiB + 1
            try (EmbeddedSchemaRegistry small = EmbeddedSchemaRegistry.builder()
                    .bootstrapServers(kafka.bootstrapServers()).topic(topic + "-small")
                    .maxRequestBytes(1024).start()) {
                RegistryHttp smallHttp = new RegistryHttp(small.url());
                String body = RegistryHttp.schemaBody(USER_V1);
                byte[] chunk = (body + " ".repeat(1025 - body.length())).getBytes(StandardCharsets.UTF_8);
                String head = "POST /subjects/users-value/versions HTTP/1.1\r\nHost: " + smallHttp.authority()
                        + "\r\nContent-Type: " + RegistryHttpHandler.CONTENT_TYPE
                        + "\r\nTransfer-Encoding: chunked";
                byte[] chunked = (Integer.toHexString(chunk.length) + "\r\n" + new String(chunk, StandardCharsets.UTF_8)
                        + "\r\n0\r\n\r\n").getBytes(StandardCharsets.UTF_8);

                // when
                Response r = smallHttp.raw(head, chunked);

                // then refused, while the same schema without padding registers
                assertThat(r.status()).isEqualTo(413);
                assertThat(r.message()).contains("1024 bytes");
                assertThat(smallHttp.get("/subjects").body()).isEqualTo("[]");
                assertThat(smallHttp.register("users-value", USER_V1).status()).isEqualTo(200);
            }
        }

        @Test
        void aBodyThatIsNotJsonIsRefusedWith415() {
            // when a registration comes as text/plain, as an HTML form can post it
            Response r = http.post("/subjects/users-value/versions", "text/plain",
                    RegistryHttp.schemaBody(USER_V1));

            // then
            assertThat(r.status()).isEqualTo(415);
            assertThat(r.errorCode()).isEqualTo(415);
            assertThat(http.get("/subjects").body()).isEqualTo("[]");
            // and plain application/json is still served
            assertThat(http.post("/subjects/users-value/versions", "application/json",
                    RegistryHttp.schemaBody(USER_V1)).status()).isEqualTo(200);
        }
    }

    @Nested
    class SurvivingARestart {

        @Test
        void aNewInstanceOnTheSameTopicServesTheSameIdsAndKeepsNumberingAbove() {
            // given two schemas and a subject level, registered by the first instance
            int users = http.registerOk("users-value", USER_V1);
            int images = http.registerOk("images-value", ImageEvent.getClassSchema().toString());
            http.put("/config/users-value", "{\"compatibility\": \"FULL\"}");
            registry.close();

            // when a new instance starts on the same topic
            registry = startRegistryOn(topic);
            http = new RegistryHttp(registry.url());

            // then ids resolve to the same schemas, and the rest of the state is back
            assertThat(parse(http.get("/schemas/ids/" + users).json().get("schema").asText()))
                    .isEqualTo(parse(USER_V1));
            assertThat(parse(http.get("/schemas/ids/" + images).json().get("schema").asText()))
                    .isEqualTo(ImageEvent.getClassSchema());
            assertThat(http.get("/subjects").json())
                    .containsExactly(text("images-value"), text("users-value"));
            assertThat(http.get("/config/users-value").json().get("compatibilityLevel").asText())
                    .isEqualTo("FULL");
            assertThat(http.registerOk("users-value", USER_V1)).isEqualTo(users);

            // and a new schema gets an id above every earlier one
            int next = http.registerOk("users-value", USER_V2);
            assertThat(next).isGreaterThan(Math.max(users, images));
        }

        @Test
        void theTopicIsCompactedAndHoldsConfluentShapedRecords() throws Exception {
            // given
            int id = http.registerOk("users-value", USER_V1);
            http.put("/config", "{\"compatibility\": \"NONE\"}");

            // when the topic is read directly
            List<ConsumerRecord<String, String>> records = readTopic(topic, 2);

            // then
            assertThat(records).hasSize(2);
            JsonNode schemaKey = RegistryHttp.JSON.readTree(records.get(0).key());
            JsonNode schemaValue = RegistryHttp.JSON.readTree(records.get(0).value());
            assertThat(schemaKey.toString()).isEqualTo(
                    "{\"keytype\":\"SCHEMA\",\"subject\":\"users-value\",\"version\":1,\"magic\":1}");
            assertThat(schemaValue.get("id").asInt()).isEqualTo(id);
            assertThat(schemaValue.get("deleted").asBoolean()).isFalse();
            assertThat(RegistryHttp.JSON.readTree(records.get(1).key()).get("keytype").asText())
                    .isEqualTo("CONFIG");
            assertThat(records.get(1).value()).isEqualTo("{\"compatibilityLevel\":\"NONE\"}");
            assertThat(cleanupPolicy(topic)).isEqualTo("compact");
        }
    }

    // ----------------------------------------------------------------------------------------

    private static EmbeddedSchemaRegistry startRegistryOn(String topic) {
        return EmbeddedSchemaRegistry.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .topic(topic)
                .start();
    }

    private static String record(String name, String... fields) {
        return "{\"type\": \"record\", \"name\": \"" + name + "\", \"namespace\": \"test\","
                + " \"fields\": [" + String.join(", ", fields) + "]}";
    }

    private static Schema parse(String schema) {
        return new Schema.Parser().parse(schema);
    }

    private static JsonNode text(String s) {
        return RegistryHttp.JSON.getNodeFactory().textNode(s);
    }

    private static List<ConsumerRecord<String, String>> readTopic(String topic, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static String cleanupPolicy(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(List.of(resource)).all()
                    .get(20, TimeUnit.SECONDS).get(resource);
            return config.get("cleanup.policy").value();
        }
    }
}
