//! The normal form of each dimension a conversation is counted and filtered
//! by (FORMAT.md): what the charts show and what filter values are matched to.

pub const UNKNOWN: &str = "unknown";

/// `desktop`, `tablet` or `mobile` in any case; any other value is `other`.
pub fn device(value: Option<&str>) -> String {
    match value.map(|v| v.trim().to_lowercase()) {
        None => UNKNOWN.into(),
        Some(v) if matches!(v.as_str(), "desktop" | "tablet" | "mobile") => v,
        Some(_) => "other".into(),
    }
}

/// Environments are compared lower-cased, like channels.
pub fn environment(value: Option<&str>) -> String {
    source(value)
}

/// Channels are compared lower-cased.
pub fn source(value: Option<&str>) -> String {
    value.map_or_else(|| UNKNOWN.into(), |v| v.trim().to_lowercase())
}

/// A BCP 47 tag in its usual case: language lower, script Title, region
/// upper (`PT_br` → `pt-BR`, `zh-hant-tw` → `zh-Hant-TW`).
pub fn language(value: Option<&str>) -> String {
    let Some(v) = value else {
        return UNKNOWN.into();
    };
    let v = v.trim().replace('_', "-");
    let mut parts = v.split('-');
    let mut out = parts.next().unwrap_or("").to_lowercase();
    for p in parts {
        out.push('-');
        let chars = p.chars().count();
        if chars == 4 && p.chars().all(char::is_alphabetic) {
            let mut cs = p.chars();
            if let Some(first) = cs.next() {
                out.extend(first.to_uppercase());
                out.push_str(&cs.as_str().to_lowercase());
            }
        } else if (chars == 2 && p.chars().all(char::is_alphabetic))
            || (chars == 3 && p.chars().all(|c| c.is_ascii_digit()))
        {
            out.push_str(&p.to_uppercase());
        } else {
            out.push_str(&p.to_lowercase());
        }
    }
    out
}

/// A filter value in the same normal form as the dimension it filters;
/// `unknown`, in any case, matches an absent value.
pub fn filter_value(key: FilterKey, value: &str) -> String {
    let value = value.trim();
    let is_unknown = value.eq_ignore_ascii_case(UNKNOWN);
    match key {
        FilterKey::Device if is_unknown => UNKNOWN.into(),
        FilterKey::Device => device(Some(value)),
        FilterKey::Source => source(Some(value)),
        FilterKey::Language if is_unknown => UNKNOWN.into(),
        FilterKey::Language => language(Some(value)),
        FilterKey::Country if is_unknown => UNKNOWN.into(),
        FilterKey::Country => value.to_uppercase(),
        FilterKey::CustomerId => value.to_owned(),
        FilterKey::Environment if is_unknown => UNKNOWN.into(),
        FilterKey::Environment => environment(Some(value)),
        FilterKey::Text => value.to_owned(),
    }
}

/// The conversation context a query can be filtered by, written as
/// [`FilterKey::name`] says (the TypeScript type is generated with the same
/// names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, rename_all = "snake_case"))]
pub enum FilterKey {
    Source,
    Device,
    Language,
    Country,
    CustomerId,
    /// Where the traffic came from (`production`, `development`, …), when
    /// the export says (AgentSight keeps it in the conversation's metadata).
    Environment,
    /// Conversations in which some message says a phrase (docs/metrics.md,
    /// Insights): not a context value, the engine resolves it from the text.
    Text,
}

impl FilterKey {
    pub const ALL: [FilterKey; 7] = [
        FilterKey::Source,
        FilterKey::Device,
        FilterKey::Language,
        FilterKey::Country,
        FilterKey::CustomerId,
        FilterKey::Environment,
        FilterKey::Text,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FilterKey::Source => "source",
            FilterKey::Device => "device",
            FilterKey::Language => "language",
            FilterKey::Country => "country",
            FilterKey::CustomerId => "customer_id",
            FilterKey::Environment => "environment",
            FilterKey::Text => "text",
        }
    }

    pub fn parse(name: &str) -> Option<FilterKey> {
        FilterKey::ALL.into_iter().find(|k| k.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("PT_br", "pt-BR")]
    #[case("EN", "en")]
    #[case("zh-hant-tw", "zh-Hant-TW")]
    #[case("es-419", "es-419")]
    #[case(" de-de ", "de-DE")]
    fn languages_take_their_usual_case(#[case] given: &str, #[case] expected: &str) {
        assert_eq!(language(Some(given)), expected);
    }

    #[test]
    fn devices_outside_the_three_are_other_and_absent_is_unknown() {
        assert_eq!(device(Some("MOBILE")), "mobile");
        assert_eq!(device(Some("phone")), "other");
        assert_eq!(device(None), "unknown");
    }

    #[test]
    fn filter_values_normalise_like_their_dimension() {
        assert_eq!(filter_value(FilterKey::Language, "pt-br"), "pt-BR");
        assert_eq!(filter_value(FilterKey::Country, "us"), "US");
        assert_eq!(filter_value(FilterKey::Device, "Unknown"), "unknown");
        assert_eq!(filter_value(FilterKey::Source, " WhatsApp "), "whatsapp");
        assert_eq!(filter_value(FilterKey::CustomerId, " Cust_1 "), "Cust_1");
    }
}
