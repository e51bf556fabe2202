//! The one options value of an import, with `Default`: what a file cannot
//! tell (the zone of naive timestamps, a CSV column mapping, per file or for
//! all) and a way to cancel.

use super::formats::mapped::ColumnMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Everything an import is told: the choices a person makes that a file
/// cannot tell (they cross IPC as they are), and how to cancel it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(default)]
pub struct ImportOptions {
    /// The zone of timestamps written without an offset (default UTC). Applies
    /// to every format but the native one, whose FORMAT.md says UTC.
    #[serde(with = "zone_name")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub naive_tz: Option<chrono_tz::Tz>,
    /// A CSV whose header holds every one of these columns is read through
    /// this mapping, whatever else it looks like.
    pub map: Option<ColumnMap>,
    /// Choices made for single files (the desktop's mapping step asks once
    /// per file); a file's own choice wins over `map` and `naive_tz`.
    pub files: Vec<FileChoice>,
    /// Set to true (from any thread) to cancel: the file in progress is
    /// rolled back, and the files after it are not read.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub cancel: Option<Arc<AtomicBool>>,
    /// Set to leave the store's rows uncounted when the import ends (the
    /// report's `stored` stays zero): counting reads every page of the
    /// store's tables (a fifth of a second at a million conversations),
    /// which the app need not, as its facts, brought up to date after the
    /// import anyway, count them.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub uncounted: bool,
}

/// The mapping (and the zone of its naive timestamps) chosen for one file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FileChoice {
    /// The file, as [`crate::import::needing_column_map`] named it.
    pub path: String,
    pub map: ColumnMap,
    /// `None` keeps the import's zone (default UTC).
    #[serde(default, with = "zone_name")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub naive_tz: Option<chrono_tz::Tz>,
}

impl ImportOptions {
    /// The options `path` is read with: its own choice, if one was made, else these.
    pub fn for_file(&self, path: &Path) -> ImportOptions {
        let (naive_tz, map) = match self.files.iter().find(|c| Path::new(&c.path) == path) {
            Some(choice) => (choice.naive_tz.or(self.naive_tz), Some(choice.map.clone())),
            None => (self.naive_tz, self.map.clone()),
        };
        ImportOptions { naive_tz, map, files: Vec::new(), cancel: self.cancel.clone(), uncounted: self.uncounted }
    }
}

/// A zone as its IANA name (`"Europe/Berlin"`), for [`ImportOptions`].
mod zone_name {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(zone: &Option<chrono_tz::Tz>, s: S) -> Result<S::Ok, S::Error> {
        match zone {
            Some(z) => s.serialize_some(z.name()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<chrono_tz::Tz>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(name) => {
                name.parse().map(Some).map_err(|_| serde::de::Error::custom(format!("{name:?} is no IANA time zone")))
            }
        }
    }
}
