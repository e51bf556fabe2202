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

/// The largest GeoIP database Rapport reads: a city database is about
/// 70 MB, and a file beyond this is not one (or would fill the memory).
pub const MAX_DATABASE_BYTES: u64 = 512 * 1024 * 1024;

/// The attribution the world map shows for the bundled data.
pub const DEFAULT_ATTRIBUTION: &str = "IP geolocation: iptoasn-country by IPtoASN via ip-location-db, PDDL 1.0";

#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("cannot open the GeoIP database {path}: {reason}")]
    Open { path: PathBuf, reason: String },
}

pub struct Geo {
    /// Over the bundled bytes as they are in the program, or a file's read.
    reader: maxminddb::Reader<std::borrow::Cow<'static, [u8]>>,
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
        let reader = maxminddb::Reader::from_source(std::borrow::Cow::Borrowed(DEFAULT_DB))
            .expect("the bundled GeoIP database is valid");
        Geo { reader, countries: iso_countries() }
    }

    /// Another `.mmdb` file: a country or city database. Only a regular
    /// file (a link to one is followed) of at most [`MAX_DATABASE_BYTES`] is
    /// read: a FIFO, a device or a folder is refused before it is opened.
    pub fn open(path: &Path) -> Result<Geo, GeoError> {
        let fail = |reason: String| GeoError::Open { path: path.to_owned(), reason };
        let is_regular = |meta: &std::fs::Metadata| -> Result<(), GeoError> {
            if !meta.is_file() {
                return Err(fail("not a regular file".to_owned()));
            }
            if meta.len() > MAX_DATABASE_BYTES {
                return Err(fail(format!("larger than {} MiB", MAX_DATABASE_BYTES >> 20)));
            }
            Ok(())
        };
        is_regular(&std::fs::metadata(path).map_err(|e| fail(e.to_string()))?)?;
        let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
        // The file may have changed since: check what was opened, and read
        // no more than the bound however long it grows.
        let meta = file.metadata().map_err(|e| fail(e.to_string()))?;
        is_regular(&meta)?;
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_DATABASE_BYTES + 1), &mut bytes)
            .map_err(|e| fail(e.to_string()))?;
        if bytes.len() as u64 > MAX_DATABASE_BYTES {
            return Err(fail(format!("larger than {} MiB", MAX_DATABASE_BYTES >> 20)));
        }
        let reader = maxminddb::Reader::from_source(std::borrow::Cow::Owned(bytes))
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
