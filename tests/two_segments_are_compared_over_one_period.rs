//! Comparing two segments: a query's second set of filters gives, over the
//! same period and zone, exactly the numbers that set of filters gives on its
//! own, beside the first segment's (and the previous period's, when asked).

mod common;
use common::*;
use rapport::metrics::{Filters, Settings};

#[test]
fn a_second_segment_has_the_numbers_of_its_filters_alone() {
    let ws = Workspace::new();
    let mut engine = ws.engine();
    let end = at("2026-11-20T00:00:00Z");
    engine.load_demo(&rapport::demo::DemoOptions { conversations: 1_200, seed: 11, end }).expect("the demo loads");
    let settings = Settings::default();
    let period =
        |filters: &[(&str, &str)]| query("2026-10-01T00:00:00Z", "2026-11-15T00:00:00Z", "Asia/Kolkata", filters);
    type Pairs<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Pairs, Pairs); 4] = [
        (&[("source", "web")], &[("source", "whatsapp")]),
        (&[], &[("device", "mobile"), ("device", "tablet")]),
        (&[("language", "en")], &[("language", "de"), ("device", "desktop")]),
        (&[("device", "mobile")], &[]),
    ];
    for (first, second) in cases {
        let mut segment = Filters::default();
        for (k, v) in second {
            segment.add(k, v).unwrap();
        }
        let mut compared = period(first).compared();
        compared.segment = Some(segment);
        let both = engine.dashboard(&compared, &settings).unwrap();
        let alone = engine.dashboard(&period(second), &settings).unwrap();
        let first_alone = engine.dashboard(&period(first).compared(), &settings).unwrap();
        assert_eq!(both.segment.as_ref(), Some(&alone.current), "{first:?} against {second:?}");
        assert_eq!(both.current, first_alone.current, "the first segment is unchanged by the second");
        assert_eq!(both.previous, first_alone.previous, "the previous period is the first segment's");
    }
    let without = engine.dashboard(&period(&[]), &settings).unwrap();
    assert!(without.segment.is_none(), "no second segment unless asked");
}
