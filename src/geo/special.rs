//! Which addresses are "global", i.e. worth looking up: not private,
//! loopback, link-local, documentation, shared (CGNAT) or otherwise reserved.
//!
//! The ranges are the IANA special-purpose registries, as Python 3.11's
//! `ipaddress` module lists them; the reference implementation uses that
//! module, so the two agree address by address. An IPv4-mapped IPv6 address
//! is judged as the IPv4 address it maps.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const V4_NOT_GLOBAL: &[(u32, u8)] = &[
    (0x0000_0000, 8),  // 0.0.0.0/8 "this network"
    (0x0A00_0000, 8),  // 10.0.0.0/8 private
    (0x6440_0000, 10), // 100.64.0.0/10 shared address space
    (0x7F00_0000, 8),  // 127.0.0.0/8 loopback
    (0xA9FE_0000, 16), // 169.254.0.0/16 link-local
    (0xAC10_0000, 12), // 172.16.0.0/12 private
    (0xC000_0000, 29), // 192.0.0.0/29 IPv4 service continuity
    (0xC000_00AA, 31), // 192.0.0.170/31 NAT64 discovery
    (0xC000_0200, 24), // 192.0.2.0/24 documentation
    (0xC0A8_0000, 16), // 192.168.0.0/16 private
    (0xC612_0000, 15), // 198.18.0.0/15 benchmarking
    (0xC633_6400, 24), // 198.51.100.0/24 documentation
    (0xCB00_7100, 24), // 203.0.113.0/24 documentation
    (0xF000_0000, 4),  // 240.0.0.0/4 reserved
    (0xFFFF_FFFF, 32), // broadcast
];

const V6_NOT_GLOBAL: &[(u128, u8)] = &[
    (1, 128),                                        // ::1 loopback
    (0, 128),                                        // :: unspecified
    (0x0100_0000_0000_0000_0000_0000_0000_0000, 64), // 100::/64 discard
    (0x2001_0000_0000_0000_0000_0000_0000_0000, 23), // 2001::/23 IETF protocol assignments
    (0x2001_0002_0000_0000_0000_0000_0000_0000, 48), // 2001:2::/48 benchmarking
    (0x2001_0db8_0000_0000_0000_0000_0000_0000, 32), // 2001:db8::/32 documentation
    (0x2001_0010_0000_0000_0000_0000_0000_0000, 28), // 2001:10::/28 ORCHID
    (0xfc00_0000_0000_0000_0000_0000_0000_0000, 7),  // fc00::/7 unique local
    (0xfe80_0000_0000_0000_0000_0000_0000_0000, 10), // fe80::/10 link-local
];

fn in_v4(addr: Ipv4Addr, (net, len): (u32, u8)) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(addr) & mask == net & mask
}

fn in_v6(addr: Ipv6Addr, (net, len): (u128, u8)) -> bool {
    let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
    u128::from(addr) & mask == net & mask
}

pub fn is_global(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => !V4_NOT_GLOBAL.iter().any(|&n| in_v4(v4, n)),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            // Python 3.11 judges a mapped address by its IPv4 privacy only:
            // ::ffff:100.64.1.1 counts as global there, and so it does here.
            Some(v4) => !V4_NOT_GLOBAL.iter().filter(|n| n.0 != 0x6440_0000).any(|&n| in_v4(v4, n)),
            None => !V6_NOT_GLOBAL.iter().any(|&n| in_v6(v6, n)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_match_the_reference() {
        let cases = [
            ("8.8.8.8", true),
            ("100.64.1.1", false),
            ("192.0.0.9", true),
            ("::ffff:8.8.8.8", true),
            ("::ffff:10.0.0.1", false),
            ("2001:4860:4860::8888", true),
            ("2001::1", false),
            ("2001:db8::1", false),
            ("fd00::1", false),
        ];
        for (ip, global) in cases {
            assert_eq!(is_global(ip.parse().unwrap()), global, "{ip}");
        }
    }
}
