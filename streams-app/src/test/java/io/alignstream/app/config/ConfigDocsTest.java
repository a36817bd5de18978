package io.alignstream.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.testing.RepositoryRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md holds the table {@link ConfigDocs} generates from {@link AlignstreamConfig#CONFIG}.
 * Run with {@code -Dalignstream.configdocs.write=true} to rewrite it instead of checking it.
 */
class ConfigDocsTest {

    @Test
    void theConfigurationDocHoldsTheCurrentTableOfKeys() throws IOException {
        // given the documentation file and the table generated from the code
        Path doc = RepositoryRoot.find().resolve("docs/configuration.md");
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        String current = ConfigDocs.withCurrentTable(text);
        if (Boolean.getBoolean(ConfigDocs.WRITE_PROPERTY) && !current.equals(text)) {
            Files.writeString(doc, current, StandardCharsets.UTF_8);
            text = current;
        }

        // then the file already holds it
        assertThat(text)
                .as("docs/configuration.md does not hold the current table of alignstream.* keys; regenerate it "
                        + "from the repository root with:\n  " + ConfigDocs.REGENERATE_COMMAND + "\n")
                .isEqualTo(current);
    }

    @Test
    void theTableHasOneRowPerKeyWithItsTypeAndDefault() {
        // when the table is generated
        String table = ConfigDocs.markdownTable();

        // then each key is a row, e.g. the batch size with its type, default and range
        assertThat(table.lines().filter(line -> line.startsWith("| `alignstream."))).hasSize(
                AlignstreamConfig.CONFIG.names().size());
        assertThat(table).contains("| `alignstream.batch.max.size` | int | `64` | [1,...,1024] | ");
        assertThat(table).contains("| `alignstream.model.bundle` | string | `\"\"` | any | ");
    }
}
