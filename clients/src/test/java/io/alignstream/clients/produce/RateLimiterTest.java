package io.alignstream.clients.produce;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateLimiterTest {

    @Test
    void rateLimiterSpacesPermitsAndZeroMeansUnlimited() throws Exception {
        // given a limiter of 100 events per second, when 11 permits are taken
        RateLimiter limited = new RateLimiter(100);
        long started = System.nanoTime();
        for (int i = 0; i < 11; i++) {
            limited.acquire(1);
        }
        // then the last came no sooner than 10 / 100 s after the first
        assertThat((System.nanoTime() - started) / 1e9).isGreaterThanOrEqualTo(0.09);

        RateLimiter unlimited = new RateLimiter(0);
        started = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            unlimited.acquire(1);
        }
        assertThat((System.nanoTime() - started) / 1e9).isLessThan(0.5);
    }
}
