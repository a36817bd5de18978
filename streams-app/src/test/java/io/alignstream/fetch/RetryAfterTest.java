package io.alignstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Retry-After comes from a producer's server: read within bounds whatever it says. */
class RetryAfterTest {
    @Test
    void aDateOrADelayFarAheadIsClampedToTheLongestWaitTaken() {
        // given a date beyond any arithmetic on nanoseconds, and the longest delay the header form allows
        // when each is read, then it is the longest wait taken (the retry budget then caps the pause)
        assertThat(HttpImageSource.retryAfter(Optional.of("Fri, 31 Dec 9999 23:59:59 GMT")))
                .contains(HttpImageSource.MAX_RETRY_AFTER);
        assertThat(HttpImageSource.retryAfter(Optional.of("999999999"))).contains(HttpImageSource.MAX_RETRY_AFTER);
    }

    @Test
    void aShortDelayOrAPastDateIsReadAsIs() {
        assertThat(HttpImageSource.retryAfter(Optional.of("2"))).contains(Duration.ofSeconds(2));
        assertThat(HttpImageSource.retryAfter(Optional.of("Mon, 01 Jan 2001 00:00:00 GMT"))).contains(Duration.ZERO);
        assertThat(HttpImageSource.retryAfter(Optional.of("soon"))).isEmpty();
    }
}
