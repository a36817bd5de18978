package io.alignstream.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.alignstream.events.CaptionEvent;
import io.alignstream.events.ImageEvent;
import org.apache.avro.Schema;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("InMemorySchemaRegistryClient behaves like a registry")
class InMemorySchemaRegistryClientTest {

    private static final String CAPTIONS = "alignstream.captions-value";
    private static final Schema CAPTION = CaptionEvent.getClassSchema();

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    @Test
    @DisplayName("ids are global: the same schema has one id under every subject; versions count per subject")
    void idsAndVersions() {
        int captionId = registry.register(CAPTIONS, CAPTION);
        int imageId = registry.register("alignstream.images-value", ImageEvent.getClassSchema());
        int elsewhere = registry.register("io.alignstream.events.CaptionEvent", CAPTION);
        int again = registry.register(CAPTIONS, CAPTION);
        int evolved = registry.register(CAPTIONS, EvolvedSchemas.captionWithDefaultedField());

        assertThat(elsewhere).isEqualTo(captionId).isEqualTo(again);
        assertThat(imageId).isNotEqualTo(captionId);
        assertThat(registry.getAllVersions(CAPTIONS)).containsExactly(1, 2);
        assertThat(registry.getLatestSchemaMetadata(CAPTIONS))
                .isEqualTo(new SchemaMetadata(evolved, 2, CAPTIONS, EvolvedSchemas.captionWithDefaultedField().toString()));
        assertThat(registry.getSchemaMetadata(CAPTIONS, 1).id()).isEqualTo(captionId);
        assertThat(registry.getSchemaById(captionId)).isEqualTo(CAPTION);
        assertThat(registry.getId(CAPTIONS, CAPTION)).isEqualTo(captionId);
        assertThat(registry.getAllSubjects())
                .containsExactly(CAPTIONS, "alignstream.images-value", "io.alignstream.events.CaptionEvent");
    }

    @Test
    @DisplayName("refuses an incompatible schema under BACKWARD (the default) with a 409 and the reasons")
    void refusesIncompatible() {
        registry.register(CAPTIONS, CAPTION);
        Schema breaking = EvolvedSchemas.captionWithRequiredField();

        assertThat(registry.testCompatibility(CAPTIONS, breaking)).isFalse();
        assertThat(registry.testCompatibilityVerbose(CAPTIONS, breaking))
                .singleElement().asString().contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("moderation");
        IncompatibleSchemaException e = catchThrowableOfType(IncompatibleSchemaException.class,
                () -> registry.register(CAPTIONS, breaking));
        assertThat(e.httpStatus()).isEqualTo(409);
        assertThat(e.errorCode()).isEqualTo(409);
        assertThat(e.getMessage()).contains("incompatible with an earlier schema for subject \"" + CAPTIONS + "\"")
                .contains("moderation");
        assertThat(registry.getAllVersions(CAPTIONS)).containsExactly(1);
    }

    @Test
    @DisplayName("FORWARD, FULL and NONE are enforced as Avro schema resolution says")
    void levels() {
        registry.register(CAPTIONS, CAPTION);

        registry.updateCompatibility(CAPTIONS, "FORWARD");
        assertThat(registry.getCompatibility(CAPTIONS)).isEqualTo("FORWARD");
        assertThat(registry.testCompatibility(CAPTIONS, EvolvedSchemas.captionWithRequiredField()))
                .as("old readers ignore a new field").isTrue();
        assertThat(registry.testCompatibility(CAPTIONS, EvolvedSchemas.captionWithoutLanguage()))
                .as("old readers have a default for the removed field").isTrue();

        registry.updateCompatibility(CAPTIONS, "FULL");
        assertThat(registry.testCompatibility(CAPTIONS, EvolvedSchemas.captionWithRequiredField())).isFalse();
        assertThat(registry.testCompatibility(CAPTIONS, EvolvedSchemas.captionWithDefaultedField())).isTrue();

        registry.updateCompatibility(CAPTIONS, "NONE");
        assertThat(registry.testCompatibility(CAPTIONS, ImageEvent.getClassSchema())).isTrue();
        assertThat(registry.getCompatibility(null)).as("the global level is untouched").isEqualTo("BACKWARD");
    }

    @Test
    @DisplayName("TRANSITIVE levels check every version, not only the latest")
    void transitive() {
        registry.updateCompatibility(CAPTIONS, "NONE");
        registry.register(CAPTIONS, EvolvedSchemas.captionWithoutLanguage());
        registry.register(CAPTIONS, CAPTION);
        Schema requiresLanguageWithoutDefault = Schema.createRecord(CAPTION.getName(), null, CAPTION.getNamespace(),
                false, CAPTION.getFields().stream().map(f -> f.name().equals("language")
                        ? new Schema.Field("language", f.schema(), f.doc(), (Object) null)
                        : new Schema.Field(f, f.schema())).toList());

        registry.updateCompatibility(CAPTIONS, "BACKWARD");
        assertThat(registry.testCompatibility(CAPTIONS, requiresLanguageWithoutDefault)).isTrue();
        registry.updateCompatibility(CAPTIONS, "BACKWARD_TRANSITIVE");
        assertThat(registry.testCompatibility(CAPTIONS, requiresLanguageWithoutDefault)).isFalse();
    }

    @Test
    @DisplayName("unknown subjects, versions and ids fail with Confluent's codes 40401, 40402, 40403")
    void notFound() {
        registry.register(CAPTIONS, CAPTION);

        assertThatThrownBy(() -> registry.getLatestSchemaMetadata("nope"))
                .isInstanceOf(SubjectNotFoundException.class)
                .satisfies(e -> assertThat(((SchemaRegistryException) e).errorCode()).isEqualTo(40401));
        assertThatThrownBy(() -> registry.getSchemaMetadata(CAPTIONS, 7))
                .isInstanceOf(VersionNotFoundException.class)
                .satisfies(e -> assertThat(((SchemaRegistryException) e).errorCode()).isEqualTo(40402));
        assertThatThrownBy(() -> registry.getSchemaById(42))
                .isInstanceOf(SchemaNotFoundException.class)
                .hasMessageContaining("Schema 42 not found");
        assertThatThrownBy(() -> registry.getId(CAPTIONS, ImageEvent.getClassSchema()))
                .isInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    @DisplayName("an invalid compatibility level fails with 42203 and lists the valid ones")
    void invalidLevel() {
        assertThatThrownBy(() -> registry.updateCompatibility(null, "SIDEWAYS"))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("error_code 42203")
                .hasMessageContaining("BACKWARD_TRANSITIVE");
    }
}
