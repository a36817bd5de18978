package io.alignstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alignstream.app.config.DefaultConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FetchLimitsTest {

    @Test
    void theServiceDefaultsAreTwentyMebibytesFiveSecondsInlineOnlyNoRootThreeRedirectsPublicAddressesOnly() {
        // given a configuration that sets no alignstream.image.fetch.* key
        // when the service takes its fetch limits from it
        FetchLimits limits = DefaultConfig.fetchLimits();

        // then they are the declared defaults, with the fixed redirect count: no reference is
        // accepted (images travel inline) until an operator allows a scheme

        assertThat(limits.maxBytes()).isEqualTo(20L * 1024 * 1024);
        assertThat(limits.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(limits.allowedSchemes()).isEmpty();
        assertThat(limits.fileRoot()).isEmpty();
        assertThat(limits.maxRedirects()).isEqualTo(3);
        assertThat(limits.allow()).isEqualTo(FetchAllowList.NONE);
    }

    @Test
    void schemesAreMatchedCaseInsensitivelyAndStoredLowerCase() {
        FetchLimits limits = new FetchLimits(10, Duration.ofSeconds(1), Set.of("HTTPS", "File"), Optional.empty(), 0);

        assertThat(limits.allowedSchemes()).containsExactlyInAnyOrder("https", "file");
    }

    @Test
    void aRelativeFileRootIsMadeAbsolute() {
        FetchLimits limits = new FetchLimits(10, Duration.ofSeconds(1), Set.of("file"), Optional.of(Path.of("images/../images")), 0);

        assertThat(limits.fileRoot()).hasValueSatisfying(root -> {
            assertThat(root.isAbsolute()).isTrue();
            assertThat(root.endsWith("images")).isTrue();
            assertThat(root.toString()).doesNotContain("..");
        });
    }

    @Test
    void eachInvalidFieldIsRefusedWithItsName() {
        Duration second = Duration.ofSeconds(1);
        Set<String> https = Set.of("https");
        Optional<Path> none = Optional.empty();

        assertRefused(() -> new FetchLimits(0, second, https, none, 0), "maxBytes", "got 0");
        assertRefused(() -> new FetchLimits(Long.MAX_VALUE, second, https, none, 0), "maxBytes");
        assertRefused(() -> new FetchLimits(10, null, https, none, 0), "timeout");
        assertRefused(() -> new FetchLimits(10, Duration.ZERO, https, none, 0), "timeout", "PT0S");
        assertRefused(() -> new FetchLimits(10, Duration.ofSeconds(-1), https, none, 0), "timeout");
        assertRefused(() -> new FetchLimits(10, Duration.ofDays(2), https, none, 0), "timeout");
        assertRefused(() -> new FetchLimits(10, second, null, none, 0), "allowedSchemes");
        assertRefused(() -> new FetchLimits(10, second, Set.of("ftp"), none, 0), "allowedSchemes", "ftp");
        assertRefused(() -> new FetchLimits(10, second, https, null, 0), "fileRoot");
        assertRefused(() -> new FetchLimits(10, second, https, none, -1), "maxRedirects", "-1");
        assertRefused(() -> new FetchLimits(10, second, https, none, 0, null), "allow");
    }

    private static void assertRefused(Runnable construct, String... messageParts) {
        assertThatThrownBy(construct::run).isInstanceOf(IllegalArgumentException.class).message().contains(messageParts);
    }
}
