package io.alignstream.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.testing.RepositoryRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/monitoring-figures.md's table of gauges lists exactly the names the monitor declares. */
class MonitoringDocsTest {

    @Test
    void theGaugeTableListsEveryExportedNameAndNoOther() throws IOException {
        // given the table rows of docs/monitoring-figures.md, "Prometheus gauges"
        String doc = Files.readString(RepositoryRoot.find().resolve("docs/monitoring-figures.md"), StandardCharsets.UTF_8);
        String section = doc.substring(doc.indexOf("## Prometheus gauges"), doc.indexOf("## Measured on real data"));
        Matcher row = Pattern.compile("(?m)^\\| `(alignstream_quality_[a-z0-9_]+)`").matcher(section);
        List<String> listed = row.results().map(m -> m.group(1)).toList();

        // then they are the declared names, each once
        assertThat(listed).containsExactlyInAnyOrderElementsOf(QualityMetricNames.ALL).doesNotHaveDuplicates();
    }
}
