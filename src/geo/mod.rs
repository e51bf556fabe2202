//! Geolocation: an IP address to an ISO 3166-1 alpha-2 country, or `unknown`.
//!
//! The default database is bundled (ip-location-db's iptoasn country file,
//! PDDL-1.0), so the world map works with no setup and no network. Another
//! `.mmdb` can be given; both the GeoLite2 layout (`country.iso_code`) and the
//! ip-location-db layout (`country_code`) are read.

mod special;

use serde::Deserialize;
use std::collections::HashSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// The bundled database and the list of ISO countries.
static DEFAULT_DB: &[u8] = include_bytes!("../../data/geo/iptoasn-country.mmdb");
static ISO_COUNTRIES: &str = include_str!("../../data/iso3166-1-alpha2.txt");

/// The attribution the world map shows for the bundled data.
pub const DEFAULT_ATTRIBUTION: &str = "IP geolocation: iptoasn-country by IPtoASN via ip-location-db, PDDL 1.0";

#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("cannot open the GeoIP database {path}: {reason}")]
    Open { path: PathBuf, reason: String },
}

pub struct Geo {
    reader: maxminddb::Reader<Vec<u8>>,
    countries: HashSet<&'static str>,
}

#[derive(Deserialize)]
struct CountryRecord<'a> {
    #[serde(borrow)]
    country: Option<IsoCode<'a>>,
    country_code: Option<&'a str>,
}

#[derive(Deserialize)]
struct IsoCode<'a> {
    iso_code: Option<&'a str>,
}

pub const UNKNOWN: &str = "unknown";

impl Geo {
    /// The bundled country database.
    pub fn bundled() -> Geo {
        let reader = maxminddb::Reader::from_source(DEFAULT_DB.to_vec()).expect("the bundled GeoIP database is valid");
        Geo { reader, countries: iso_countries() }
    }

    /// Another `.mmdb` file: a country or city database.
    pub fn open(path: &Path) -> Result<Geo, GeoError> {
        let bytes = std::fs::read(path).map_err(|e| GeoError::Open { path: path.to_owned(), reason: e.to_string() })?;
        let reader = maxminddb::Reader::from_source(bytes)
            .map_err(|e| GeoError::Open { path: path.to_owned(), reason: format!("not a MaxMind DB file ({e})") })?;
        Ok(Geo { reader, countries: iso_countries() })
    }

    /// `--geo FILE` when given, else the bundled database.
    pub fn from_option(path: Option<&Path>) -> Result<Geo, GeoError> {
        path.map_or_else(|| Ok(Geo::bundled()), Geo::open)
    }

    /// The country of an address, or `unknown` for an absent, invalid,
    /// private, loopback or reserved address, one the database does not
    /// know, or a code that is no country (`EU`, `AP`).
    pub fn country(&self, ip: Option<&str>) -> &str {
        let Some(addr) = ip.and_then(|s| s.trim().parse::<IpAddr>().ok()) else {
            return UNKNOWN;
        };
        if !special::is_global(addr) {
            return UNKNOWN;
        }
        let code = match self.reader.lookup::<CountryRecord>(addr) {
            Ok(Some(rec)) => rec.country.and_then(|c| c.iso_code).or(rec.country_code),
            _ => None,
        };
        match code.map(|c| c.to_ascii_uppercase()) {
            Some(c) => self.countries.get(c.as_str()).copied().unwrap_or(UNKNOWN),
            None => UNKNOWN,
        }
    }
}

fn iso_countries() -> HashSet<&'static str> {
    ISO_COUNTRIES.split_whitespace().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses_have_countries_and_private_ones_do_not() {
        let geo = Geo::bundled();
        assert_eq!(geo.country(Some("8.8.8.8")), "US");
        assert_eq!(geo.country(Some(" 8.8.8.8 ")), "US", "blanks around an address are no reason to lose it");
        for ip in ["10.3.2.1", "192.168.1.20", "127.0.0.1", "100.64.1.1", "not-an-ip", "::1", "fe80::1"] {
            assert_eq!(geo.country(Some(ip)), UNKNOWN, "{ip}");
        }
        assert_eq!(geo.country(None), UNKNOWN);
    }

    #[test]
    fn region_codes_that_are_no_country_are_unknown() {
        // 43.224.29.1 is listed as AP (Asia/Pacific) in the bundled data.
        assert_eq!(Geo::bundled().country(Some("43.224.29.1")), UNKNOWN);
    }
}
