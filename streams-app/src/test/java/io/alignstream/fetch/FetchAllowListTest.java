package io.alignstream.fetch;

import static io.alignstream.fetch.TestNetwork.address;
import static io.alignstream.fetch.TestNetwork.mapped;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The allow-list's forms, as an operator writes them, and what each lets through. Nothing here looks a name up. */
class FetchAllowListTest {

    @Test
    void aCidrRangeAllowsEveryAddressInItOnAnyPortAndNothingBeside() {
        FetchAllowList list = FetchAllowList.parse(List.of("10.20.0.0/16"));

        assertThat(list.allows("anything", 80, address("10.20.0.1"))).isTrue();
        assertThat(list.allows("anything", 8443, address("10.20.255.255"))).isTrue();
        assertThat(list.allows("anything", 80, address("10.21.0.1"))).isFalse();
        // the IPv4-mapped form of an address in the range is the same address
        assertThat(list.allows("anything", 80, mapped("10.20.3.4"))).isTrue();
    }

    @Test
    void anIpv6RangeAndAnIpv6AddressWithAPortAreUnderstood() {
        FetchAllowList list = FetchAllowList.parse(List.of("fd00:1::/32", "[fd00:2::5]:8443"));

        assertThat(list.allows("a", 80, address("fd00:1:ffff::9"))).isTrue();
        assertThat(list.allows("a", 8443, address("fd00:2::5"))).isTrue();
        assertThat(list.allows("a", 443, address("fd00:2::5"))).as("other port").isFalse();
        assertThat(list.allows("a", 8443, address("fd00:2::6"))).as("other address").isFalse();
    }

    @Test
    void anAddressWithAPortAllowsOnlyThatPort() {
        FetchAllowList list = FetchAllowList.parse(List.of("127.0.0.1:8080"));

        assertThat(list.allows("127.0.0.1", 8080, address("127.0.0.1"))).isTrue();
        assertThat(list.allows("127.0.0.1", 9090, address("127.0.0.1"))).isFalse();
        assertThat(list.allows("127.0.0.1", 8080, address("127.0.0.2"))).isFalse();
    }

    @Test
    void aHostNameAllowsExactlyThatNameWhateverItResolvesToAndIgnoresCaseAndATrailingDot() {
        FetchAllowList list = FetchAllowList.parse(List.of("Images.Internal:8443", "thumbs.internal"));

        assertThat(list.allows("images.internal", 8443, address("10.1.2.3"))).isTrue();
        assertThat(list.allows("IMAGES.internal.", 8443, address("192.168.9.9"))).isTrue();
        assertThat(list.allows("images.internal", 443, address("10.1.2.3"))).as("other port").isFalse();
        assertThat(list.allows("x.images.internal", 8443, address("10.1.2.3"))).as("no subdomains").isFalse();
        assertThat(list.allows("thumbs.internal", 1234, address("10.1.2.3"))).as("any port").isTrue();
        // a name entry does not allow the address it happens to have under another name
        assertThat(list.allows("10.1.2.3", 8443, address("10.1.2.3"))).isFalse();
    }

    @Test
    void blankEntriesAreSkippedAndTheListPrintsAsWritten() {
        FetchAllowList list = FetchAllowList.parse(List.of(" 10.0.0.0/8 ", "", "[::1]:8080", "img.internal:81", "fd00::1"));

        assertThat(list.entries()).hasSize(4);
        assertThat(list).hasToString("10.0.0.0/8,[0:0:0:0:0:0:0:1]:8080,img.internal:81,fd00:0:0:0:0:0:0:1");
        assertThat(FetchAllowList.parse(List.of())).isEqualTo(FetchAllowList.NONE);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "10.0.0.0/33", "10.0.0.1/8", "10.0.0.0/-1", "fd00::/129", "256.1.1.1", "010.0.0.1", "1.2.3",
        "*.internal", "images.internal:0", "images.internal:65536", "images.internal:http", "[fd00::1",
        "[fd00::1]8080", "fd00::zz", "under_score.internal", "-bad.internal", "a..b", "http://images.internal"
    })
    void anEntryOfNoKnownFormIsRefusedByName(String entry) {
        assertThatThrownBy(() -> FetchAllowList.parse(List.of("10.0.0.0/8", entry)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + entry + "'");
    }
}
