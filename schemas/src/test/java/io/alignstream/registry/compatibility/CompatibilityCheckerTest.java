package io.alignstream.registry.compatibility;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.alignstream.registry.compatibility.CompatibilityChecker.Earlier;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** Specification of {@link CompatibilityChecker}: Confluent's levels over Avro's rules. */
class CompatibilityCheckerTest {

    private static final Schema NAME = schema("{\"name\": \"name\", \"type\": \"string\"}");
    private static final Schema NAME_AGE_DEFAULT = schema(
            "{\"name\": \"name\", \"type\": \"string\"}",
            "{\"name\": \"age\", \"type\": \"int\", \"default\": 0}");
    private static final Schema NAME_AGE_REQUIRED = schema(
            "{\"name\": \"name\", \"type\": \"string\"}",
            "{\"name\": \"age\", \"type\": \"int\"}");
    private static final Schema AGE_ONLY = schema(
            "{\"name\": \"age\", \"type\": \"int\", \"default\": 0}");

    private final CompatibilityChecker checker = new CompatibilityChecker();

    @Test
    void addingAFieldWithADefaultIsFullyCompatible() {
        assertThat(checker.check(NAME_AGE_DEFAULT, history(NAME), CompatibilityLevel.FULL))
                .isEmpty();
    }

    @Test
    void backwardRefusesANewFieldWithoutDefault() {
        List<String> problems = checker.check(NAME_AGE_REQUIRED, history(NAME),
                CompatibilityLevel.BACKWARD);

        assertThat(problems).singleElement().asString()
                .startsWith("BACKWARD: the new schema cannot read data written with version 1")
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE")
                .contains("age");
    }

    @Test
    void forwardRefusesDroppingAFieldTheOldReaderNeeds() {
        // the old schema requires "name"; data written without it cannot be read by it
        List<String> problems = checker.check(AGE_ONLY, history(NAME), CompatibilityLevel.FORWARD);

        assertThat(problems).singleElement().asString()
                .startsWith("FORWARD: version 1 cannot read data written with the new schema")
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE");
        assertThat(checker.check(AGE_ONLY, history(NAME), CompatibilityLevel.BACKWARD)).isEmpty();
    }

    @Test
    void fullReportsBothDirections() {
        Schema intName = schema("{\"name\": \"name\", \"type\": \"int\"}");

        List<String> problems = checker.check(intName, history(NAME), CompatibilityLevel.FULL);

        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).startsWith("BACKWARD").contains("TYPE_MISMATCH");
        assertThat(problems.get(1)).startsWith("FORWARD").contains("TYPE_MISMATCH");
    }

    @Test
    void onlyTransitiveLevelsLookPastTheLatestVersion() {
        List<Earlier> history = history(NAME, NAME_AGE_DEFAULT);

        assertThat(checker.check(NAME_AGE_REQUIRED, history, CompatibilityLevel.BACKWARD))
                .isEmpty();
        assertThat(checker.check(NAME_AGE_REQUIRED, history,
                CompatibilityLevel.BACKWARD_TRANSITIVE))
                .singleElement().asString().contains("version 1");
    }

    @Test
    void noneAndAnEmptyHistoryAcceptAnything() {
        assertThat(checker.check(AGE_ONLY, history(NAME), CompatibilityLevel.NONE)).isEmpty();
        assertThat(checker.check(AGE_ONLY, List.of(), CompatibilityLevel.FULL_TRANSITIVE))
                .isEmpty();
    }

    private static List<Earlier> history(Schema... oldestFirst) {
        List<Earlier> history = new java.util.ArrayList<>();
        for (int i = 0; i < oldestFirst.length; i++) {
            history.add(new Earlier(i + 1, oldestFirst[i]));
        }
        return history;
    }

    private static Schema schema(String... fields) {
        return new Schema.Parser().parse("{\"type\": \"record\", \"name\": \"User\","
                + " \"fields\": [" + String.join(", ", fields) + "]}");
    }
}
