package io.alignstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.alignstream.events.DeadLetterReason;
import io.alignstream.fetch.ImageFetchException.Reason;
import org.junit.jupiter.api.Test;

class ImageFetchExceptionTest {

    @Test
    void eachReasonMapsToTheDeadLetterReasonPeopleRouteOn() {
        assertThat(new ImageFetchException(Reason.TOO_LARGE, "m").deadLetterReason()).isEqualTo(DeadLetterReason.OVER_LIMIT);
        assertThat(new ImageFetchException(Reason.UNREACHABLE, "m").deadLetterReason())
                .isEqualTo(DeadLetterReason.UNREACHABLE_REFERENCE);
        // A refused or malformed reference is the producer's fault, not the network's.
        assertThat(new ImageFetchException(Reason.NOT_ALLOWED, "m").deadLetterReason()).isEqualTo(DeadLetterReason.INVALID_EVENT);
        assertThat(new ImageFetchException(Reason.MALFORMED_REFERENCE, "m").deadLetterReason())
                .isEqualTo(DeadLetterReason.INVALID_EVENT);
    }

    @Test
    void keepsItsReasonAndMessage() {
        ImageFetchException e = new ImageFetchException(Reason.UNREACHABLE, "HTTP 404 from http://x/");

        assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
        assertThat(e).hasMessage("HTTP 404 from http://x/");
    }
}
