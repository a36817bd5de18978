package io.alignstream.fetch;

import static io.alignstream.fetch.TestNetwork.address;
import static io.alignstream.fetch.TestNetwork.mapped;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which addresses are not public, judged on their bytes alone (every address here is a value: nothing connects). */
class AddressRulesTest {

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(address("127.0.0.1"), AddressRules.LOOPBACK),
                Arguments.of(address("127.255.255.254"), AddressRules.LOOPBACK),
                Arguments.of(address("::1"), AddressRules.LOOPBACK),
                Arguments.of(address("169.254.169.254"), AddressRules.LINK_LOCAL),
                Arguments.of(address("169.254.0.0"), AddressRules.LINK_LOCAL),
                Arguments.of(address("fe80::1"), AddressRules.LINK_LOCAL),
                Arguments.of(address("febf:ffff::1"), AddressRules.LINK_LOCAL),
                Arguments.of(address("10.0.0.1"), AddressRules.PRIVATE),
                Arguments.of(address("10.255.255.255"), AddressRules.PRIVATE),
                Arguments.of(address("172.16.0.0"), AddressRules.PRIVATE),
                Arguments.of(address("172.31.255.255"), AddressRules.PRIVATE),
                Arguments.of(address("192.168.0.1"), AddressRules.PRIVATE),
                Arguments.of(address("fc00::1"), AddressRules.PRIVATE),
                Arguments.of(address("fdff:ffff::1"), AddressRules.PRIVATE),
                Arguments.of(address("fec0::1"), AddressRules.PRIVATE),
                Arguments.of(address("100.64.0.0"), AddressRules.SHARED),
                Arguments.of(address("100.127.255.255"), AddressRules.SHARED),
                Arguments.of(address("224.0.0.1"), AddressRules.MULTICAST),
                Arguments.of(address("239.255.255.250"), AddressRules.MULTICAST),
                Arguments.of(address("ff02::1"), AddressRules.MULTICAST),
                Arguments.of(address("0.0.0.0"), AddressRules.UNSPECIFIED),
                Arguments.of(address("0.1.2.3"), AddressRules.UNSPECIFIED),
                Arguments.of(address("::"), AddressRules.UNSPECIFIED),
                Arguments.of(address("240.0.0.1"), AddressRules.RESERVED),
                Arguments.of(address("255.255.255.255"), AddressRules.RESERVED),
                // IPv6 forms that carry an IPv4 address are judged by it
                Arguments.of(mapped("127.0.0.1"), AddressRules.LOOPBACK),
                Arguments.of(mapped("169.254.169.254"), AddressRules.LINK_LOCAL),
                Arguments.of(mapped("10.0.0.1"), AddressRules.PRIVATE),
                Arguments.of(mapped("100.64.0.1"), AddressRules.SHARED),
                Arguments.of(mapped("0.0.0.0"), AddressRules.UNSPECIFIED),
                Arguments.of(address("::a9fe:a9fe"), AddressRules.LINK_LOCAL),
                Arguments.of(address("64:ff9b::a9fe:a9fe"), AddressRules.LINK_LOCAL),
                Arguments.of(address("2002:7f00:1::1"), AddressRules.LOOPBACK));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void everyNonPublicAddressIsRefusedWithItsClass(InetAddress address, String expected) {
        assertThat(AddressRules.refusedClass(address)).as(address.toString()).contains(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // just outside each refused IPv4 range
        "1.0.0.0", "9.255.255.255", "11.0.0.0", "126.255.255.255", "128.0.0.0", "169.253.255.255", "169.255.0.0",
        "172.15.255.255", "172.32.0.0", "192.167.255.255", "192.169.0.0", "100.63.255.255", "100.128.0.0",
        "223.255.255.255", "203.0.113.7",
        // public IPv6, and neighbours of the refused prefixes
        "2001:db8::1", "2606:4700::1111", "fbff:ffff::1", "fe7f::1", "::2:0:0:1"
    })
    void publicAddressesAreNotRefused(String literal) {
        assertThat(AddressRules.refusedClass(address(literal))).as(literal).isEmpty();
    }
}
