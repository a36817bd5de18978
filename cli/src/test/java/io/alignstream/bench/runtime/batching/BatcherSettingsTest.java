package io.alignstream.bench.runtime.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BatcherSettingsTest {

    private final BatcherSettings defaults = BatcherSettings.defaults("vision");

    @Test
    void defaultsAreOneWorkerAndSmallWaits() {
        // then the defaults suit one model session per device
        assertThat(defaults.workers()).isEqualTo(1);
        assertThat(defaults.maxBatchSize()).isEqualTo(32);
        assertThat(defaults.maxWait()).isEqualTo(Duration.ofMillis(5));
        assertThat(defaults.queueCapacity()).isEqualTo(1024);
        assertThat(defaults.isolation()).isEqualTo(ErrorIsolation.BISECT);
    }

    @Test
    void everyBadValueIsRefusedNamingItsSetting() {
        // when each setting gets an impossible value, then the error names that setting
        assertThatThrownBy(() -> defaults.withName("has space")).hasMessageContaining("name");
        assertThatThrownBy(() -> defaults.withName("")).hasMessageContaining("name");
        assertThatThrownBy(() -> defaults.withMaxBatchSize(0)).hasMessageContaining("maxBatchSize");
        assertThatThrownBy(() -> defaults.withMaxBatchSize(1 << 20)).hasMessageContaining("maxBatchSize");
        assertThatThrownBy(() -> defaults.withMaxWait(Duration.ofMillis(-1))).hasMessageContaining("maxWait");
        assertThatThrownBy(() -> defaults.withMaxWait(Duration.ofHours(1))).hasMessageContaining("maxWait");
        assertThatThrownBy(() -> defaults.withQueueCapacity(16)).hasMessageContaining("queueCapacity")
                .hasMessageContaining("maxBatchSize (32)");
        assertThatThrownBy(() -> defaults.withOfferTimeout(Duration.ofSeconds(-1)))
                .hasMessageContaining("offerTimeout");
        assertThatThrownBy(() -> defaults.withWorkers(0)).hasMessageContaining("workers");
        assertThatThrownBy(() -> defaults.withCloseTimeout(Duration.ofSeconds(-1)))
                .hasMessageContaining("closeTimeout");
        assertThatThrownBy(() -> defaults.withIsolation(null)).hasMessageContaining("isolation");
        assertThatThrownBy(() -> defaults.withMaxWait(null)).hasMessageContaining("maxWait");
    }

    @Test
    void raisingTheBatchSizeRaisesTheQueueToHoldABatch() {
        // given a small queue
        BatcherSettings small = defaults.withMaxBatchSize(4).withQueueCapacity(4);

        // when the batch size grows past it
        BatcherSettings bigger = small.withMaxBatchSize(64);

        // then the queue can hold a full batch
        assertThat(bigger.queueCapacity()).isEqualTo(64);
    }
}
