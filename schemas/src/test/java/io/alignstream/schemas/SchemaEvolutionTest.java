package io.alignstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The evolution policy: every current event schema reads every released version (BACKWARD_TRANSITIVE). */
class SchemaEvolutionTest {
    private static final SchemaHistory HISTORY = new SchemaHistory(Path.of("history"));

    @ParameterizedTest
    @EnumSource(EventTopic.class)
    void currentSchemaReadsEveryReleasedVersion(EventTopic topic) {
        // given the released versions of this topic's record
        Schema current = topic.valueSchema();
        assertThat(HISTORY.released(current.getName()))
                .as("%s has at least one released version in schemas/history", current.getName())
                .isNotEmpty();

        // when the current schema is checked against all of them
        // then there is nothing it cannot read
        assertThat(HISTORY.backwardTransitiveViolations(current)).isEmpty();
    }

    @Test
    void addingAFieldWithoutDefaultIsCaughtAsIncompatible() {
        // given CaptionEvent as released, and a change that adds a required field
        Schema current = EventTopic.CAPTIONS.valueSchema();
        Schema broken = withExtraField(current, false);

        // when the change is checked, then every released version is named as unreadable
        assertThat(HISTORY.backwardTransitiveViolations(broken))
                .hasSize(HISTORY.released("CaptionEvent").size())
                .allSatisfy(v -> assertThat(v.message()).contains("reviewer").contains("v1.avsc"));
    }

    @Test
    void addingAFieldWithDefaultIsAllowed() {
        Schema evolved = withExtraField(EventTopic.CAPTIONS.valueSchema(), true);

        assertThat(HISTORY.backwardTransitiveViolations(evolved)).isEmpty();
    }

    @Test
    void breakingOnlyAnOlderVersionIsStillCaught(@TempDir Path dir) throws Exception {
        // given a history where v2 added a defaulted field and v3 dropped an old field's default
        SchemaHistory history = new SchemaHistory(dir);
        Schema v1 = SchemaBuilder.record("Probe").namespace("io.alignstream.test").fields()
                .requiredString("a").endRecord();
        Schema v2 = SchemaBuilder.record("Probe").namespace("io.alignstream.test").fields()
                .requiredString("a").name("b").type().stringType().stringDefault("x").endRecord();
        history.release(v1);
        history.release(v2);

        // when a candidate makes b required: compatible with v2 (which wrote b) but not with v1
        Schema v3 = SchemaBuilder.record("Probe").namespace("io.alignstream.test").fields()
                .requiredString("a").requiredString("b").endRecord();

        // then only v1 is named, and release refuses it
        assertThat(history.backwardTransitiveViolations(v3))
                .extracting(v -> v.writer().version()).containsExactly(1);
        assertThatThrownBy(() -> history.release(v3)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void releasingAnUnchangedSchemaWritesNothing(@TempDir Path dir) throws Exception {
        SchemaHistory history = new SchemaHistory(dir);
        Schema schema = EventTopic.IMAGES.valueSchema();

        assertThat(history.release(schema)).hasFileName("v1.avsc");
        assertThat(history.release(schema)).isNull();
        assertThat(history.released("ImageEvent")).singleElement()
                .extracting(SchemaHistory.Released::schema).isEqualTo(schema);
    }

    private static Schema withExtraField(Schema base, boolean withDefault) {
        String json = base.toString();
        String field = withDefault
                ? "{\"name\":\"reviewer\",\"type\":\"string\",\"default\":\"nobody\"}"
                : "{\"name\":\"reviewer\",\"type\":\"string\"}";
        int fieldsEnd = json.lastIndexOf("]");
        return new Schema.Parser().parse(json.substring(0, fieldsEnd) + "," + field + json.substring(fieldsEnd));
    }
}
