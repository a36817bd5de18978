package io.alignstream.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PrometheusNamesTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "records-lag-max        | records_lag_max",
        "client-id              | client_id",
        "stream-thread-metrics  | stream_thread_metrics",
        "a..b--c                | a_b_c",
        "already_snake          | already_snake",
        "clientId               | client_id",
        "recordsLagMax          | records_lag_max",
        "HTTPServer             | httpserver",
        "io.wait:time           | io_wait_time",
        "__reserved             | reserved",
        "trailing-              | trailing",
        "9lives                 | _9lives",
        "p99Latency             | p99_latency",
        "héllo wörld            | h_llo_w_rld",
    })
    void aForeignNameBecomesALowercaseSnakeCaseNameWithSingleUnderscores(String foreign, String expected) {
        // given a metric or tag name as Kafka or anyone else spells it
        // when it is sanitised
        String name = PrometheusNames.sanitize(foreign);

        // then it is the expected Prometheus name, valid as a metric and as a label name
        assertThat(name).isEqualTo(expected);
        assertThat(name).matches("[a-z_][a-z0-9_]*").doesNotContain("__");
        assertThat(PrometheusNaming.isValidLegacyMetricName(name)).isTrue();
        assertThat(PrometheusNaming.isValidLegacyLabelName(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-", "...", "___", "ü"})
    void aNameWithoutLettersOrDigitsBecomesASingleUnderscore(String foreign) {
        // given a name with nothing usable in it
        // when it is sanitised
        // then the result is still a valid name, never empty
        assertThat(PrometheusNames.sanitize(foreign)).isEqualTo("_");
    }
}
