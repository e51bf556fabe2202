//! Issue 4, Langfuse: table exports of traces (CSV), observations (JSON
//! Lines), scores (JSON) and sessions (CSV), and a trace's "Download JSON".

mod common;
mod formats_common;
use common::*;
use formats_common::*;
use rapport::model::Role;
use serde_json::json;

const TABLES: &[&str] =
    &["langfuse/observations.jsonl", "langfuse/scores.json", "langfuse/sessions.csv", "langfuse/traces.csv"];

#[test]
fn traces_are_turns_sessions_conversations_spans_actions_and_scores_feedback() {
    let ws = Workspace::new();
    let report = ws.import(&[folder(&ws, "export", TABLES)]);
    // Traces are read first: observations and scores name only their trace.
    let got: Vec<(String, &str, u64)> =
        report.files.iter().map(|f| (file_name(&f.path), f.format.as_str(), f.rejected)).collect();
    assert_eq!(
        got,
        [
            ("traces.csv".to_owned(), "langfuse-traces", 1),
            ("observations.jsonl".to_owned(), "langfuse-observations", 1),
            ("scores.json".to_owned(), "langfuse-scores", 1),
            ("sessions.csv".to_owned(), "langfuse-sessions", 0),
        ]
    );
    let reasons: Vec<(&str, &str)> = report
        .files
        .iter()
        .flat_map(|f| f.rejections.iter().map(|r| (r.position.as_str(), r.reason.as_str())))
        .collect();
    assert!(reasons[0].0 == "traces.csv row 5" && reasons[0].1.contains("timestamp \"not a date\""), "{reasons:?}");
    // The generation of line 2 adds nothing (its trace carries its tokens); the
    // root span (line 5) and the instrumentation's span (line 6) are plumbing.
    assert!(reasons[1].0 == "observations.jsonl line 4" && reasons[1].1.contains("trace t-9"), "{reasons:?}");
    assert!(reasons[2].0 == "scores.json item 5" && reasons[2].1.contains("\"purple\""), "{reasons:?}");

    let m = dashboard(&ws);
    // s-1 (traces t-1, t-2) and t-3, which has no session.
    assert_eq!((m["total_conversations"].clone(), m["interactions"].clone()), (json!(2), json!(2)));
    assert_eq!((m["user_messages"].clone(), m["agent_messages"].clone()), (json!(3), json!(3)));
    // Latencies 1.25 s, 2.5 s and 0.5 s.
    close(&m["avg_response_time_ms"], (1250.0 + 2500.0 + 500.0) / 3.0, "average response");
    close(&m["p50_response_time_ms"], 1250.0, "median response");
    // s-1 lasts its sessionDuration (62.5 s); t-3 to its output, 0.5 s.
    close(&m["avg_conversation_duration_s"], (62.5 + 0.5) / 2.0, "duration");
    assert_eq!((m["tokens"]["prompt"].clone(), m["tokens"]["completion"].clone()), (json!(160), json!(35)));
    close(&m["tokens"]["cost"], 0.0018, "cost");
    assert_eq!(
        m["tools"],
        json!([
            {"name": "lookup_order", "count": 1, "avg_duration_ms": 800.0, "errors": 0},
            {"name": "open_ticket", "count": 1, "avg_duration_ms": 200.0, "errors": 1}
        ])
    );
    // Feedback: user-feedback 1 on 0–1 → positive; thumbs 0 → negative; 3 stars → neutral.
    // Evaluations: the annotation "quality: good" and the judge's "hallucination 1" count as no satisfaction.
    assert_eq!(m["feedback"], json!({"positive": 1, "negative": 1, "neutral": 1, "satisfaction_rate": 0.5}));
    let metadata = |id: &str| ws.engine().transcript(id).unwrap().metadata.unwrap();
    assert_eq!(metadata("s-1")["evaluation: hallucination (trace t-1)"], json!(1.0), "kept with its trace");
    assert_eq!(metadata("t-3")["evaluation: quality"], json!("good"));
    assert_eq!(m["unique_users"], 2);
    assert_eq!(m["escalation_rate"], 0.5);
}

#[test]
fn reimporting_langfuse_exports_changes_nothing() {
    let ws = Workspace::new();
    let dir = folder(&ws, "export", TABLES);
    let first = ws.import(std::slice::from_ref(&dir));
    let again = ws.import(&[dir]);
    assert_eq!(first.stored, again.stored);
}

#[test]
fn a_trace_download_brings_its_observations_and_scores() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("langfuse/trace-download.json")]);
    assert_eq!(report.files[0].format, "langfuse-trace");
    assert_eq!(report.rejected, 0);
    assert_eq!(
        (report.stored.conversations, report.stored.messages, report.stored.actions, report.stored.feedback),
        (1, 2, 1, 1)
    );
    let m = dashboard(&ws);
    close(&m["avg_response_time_ms"], 750.0, "latency 0.75 s");
    assert_eq!(m["feedback"]["positive"], 1);
}

/// Issue 15: the UI's "Download trace as JSON", `{trace, observations}`, as
/// Langfuse writes it: input and output only on the observations (JSON text
/// in strings), tokens and cost on the generations, scores in the trace.
#[test]
fn the_ui_download_reads_its_generations_tools_and_scores() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("langfuse/download/trace-and-observations.json")]);
    assert_eq!(report.files[0].format, "langfuse-trace");
    assert_eq!(report.rejected, 0, "{:?}", report.files[0].rejections);
    let m = dashboard(&ws);
    assert_eq!(
        (m["total_conversations"].clone(), m["user_messages"].clone(), m["agent_messages"].clone()),
        (json!(1), json!(1), json!(1))
    );
    close(&m["avg_response_time_ms"], 6500.0, "the trace's latency, 6.5 s");
    // Two generations: 400 + (600 + 100 cached) prompt, 50 + 40 completion.
    assert_eq!((m["tokens"]["prompt"].clone(), m["tokens"]["completion"].clone()), (json!(1100), json!(90)));
    close(&m["tokens"]["cost"], 0.00195 + 0.0024, "cost of both generations");
    // The TOOL observation is the generation's tool_use (counted once); the root
    // span, the HTTP call, the a2a internals and format_reply are plumbing.
    assert_eq!(m["tools"], json!([{"name": "track_parcel", "count": 1, "avg_duration_ms": 1200.0, "errors": 0}]));
    // The user's thumbs-down counts; the judge's hallucination score does not.
    assert_eq!(m["feedback"], json!({"positive": 0, "negative": 1, "neutral": 0, "satisfaction_rate": 0.0}));

    let t = ws.engine().transcript("sess-7").unwrap();
    let said: Vec<&str> = t.messages.iter().map(|m| m.message.content.as_deref().unwrap_or("")).collect();
    assert_eq!(said, ["Where is my parcel 7781?", "Your parcel 7781 arrives tomorrow."], "text, never JSON");
    assert_eq!(t.messages[1].message.model.as_deref(), Some("claude-sonnet-4"));
    assert_eq!(t.customer_id.as_deref(), Some("cust-42"));
    assert_eq!(t.metadata.unwrap()["evaluation: hallucination (trace lf-tr-1)"], json!(1.0), "kept as an evaluation");
}

/// Issue 15: the newer download, `{observations, scores}`, with no trace
/// object: the root observation gives the turn and its times.
#[test]
fn the_newer_download_reads_a_trace_from_its_observations() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("langfuse/download/observations-and-scores.json")]);
    assert_eq!(report.files[0].format, "langfuse-trace");
    assert_eq!(report.rejected, 0, "{:?}", report.files[0].rejections);
    let m = dashboard(&ws);
    assert_eq!(
        (m["total_conversations"].clone(), m["user_messages"].clone(), m["agent_messages"].clone()),
        (json!(1), json!(1), json!(1))
    );
    close(&m["avg_response_time_ms"], 3000.0, "from the root's start to its end");
    assert_eq!((m["tokens"]["prompt"].clone(), m["tokens"]["completion"].clone()), (json!(300), json!(22)));
    close(&m["tokens"]["cost"], 0.00005, "0.00002 + 0.00003");
    // execute_tool shipping_rates is the first generation's function_call, once.
    assert_eq!(m["tools"], json!([{"name": "shipping_rates", "count": 1, "avg_duration_ms": 250.0, "errors": 0}]));
    assert_eq!(
        m["feedback"],
        json!({"positive": 1, "negative": 0, "neutral": 0, "satisfaction_rate": 1.0}),
        "toxicity 0 is no complaint"
    );

    let t = ws.engine().transcript("lf-tr-2").unwrap();
    let said: Vec<&str> = t.messages.iter().map(|m| m.message.content.as_deref().unwrap_or("")).collect();
    assert_eq!(said, ["Do you ship to Norway?", "Yes, in 3 to 5 days."]);
    assert_eq!(t.customer_id.as_deref(), Some("cust-9"));
    assert_eq!(t.metadata.unwrap()["evaluation: toxicity"], json!(0.0));
}

/// Issue 15: a page of the public API, `{"data": [...], "meta": {...}}`: a
/// trace body with its observations as objects, and a list item without.
#[test]
fn an_api_page_reads_its_traces_and_their_observations() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("langfuse/api/traces-page.json")]);
    assert_eq!(report.files[0].format, "langfuse-traces");
    assert_eq!(report.rejected, 0, "{:?}", report.files[0].rejections);
    let m = dashboard(&ws);
    assert_eq!(
        (m["total_conversations"].clone(), m["user_messages"].clone(), m["agent_messages"].clone()),
        (json!(2), json!(2), json!(2))
    );
    // lf-tr-4 has no latency: its response time is unknown, not 0 ms.
    close(&m["avg_response_time_ms"], 1500.0, "only lf-tr-3's 1.5 s");
    assert_eq!((m["tokens"]["prompt"].clone(), m["tokens"]["completion"].clone()), (json!(70), json!(15)));
    close(&m["tokens"]["cost"], 0.0009 + 0.0001, "the generation's, and lf-tr-4's own total");
    assert_eq!(m["tools"], json!([{"name": "send_reset_link", "count": 1, "avg_duration_ms": null, "errors": 0}]));
    assert_eq!(m["feedback"]["positive"], 1);

    let text = |id: &str| -> Vec<String> {
        let t = ws.engine().transcript(id).unwrap();
        t.messages.iter().map(|m| m.message.content.clone().unwrap_or_default()).collect()
    };
    assert_eq!(text("lf-tr-3"), ["reset my password", "I sent you a reset link."], "never {{\"query\": ...}}");
    assert_eq!(text("lf-tr-4"), ["Opening hours?", "9 to 5."]);
}

/// Issue 15: a trace without latency (nor observations with times) does not
/// say when the agent answered. The answer is kept after its question (a
/// microsecond later, marked as having no time of its own): the transcript
/// reads in order, the exchange counts, and its response time is unknown,
/// never 0 ms.
#[test]
fn an_answer_without_a_time_follows_its_question_and_gives_no_response_time() {
    let ws = Workspace::new();
    ws.import(&[fixture("langfuse/api/traces-page.json")]);
    let t = ws.engine().transcript("lf-tr-4").unwrap();
    let roles: Vec<_> = t.messages.iter().map(|m| (m.message.role, m.message.time_unknown)).collect();
    assert_eq!(roles, [(Role::User, false), (Role::Agent, true)], "the question, then its answer");
    assert_eq!(t.messages[1].message.timestamp.0, t.messages[0].message.timestamp.0 + 1, "one microsecond after");
    assert_eq!(t.messages[1].response_ms, None, "no response time");

    let m = dashboard(&ws);
    // Two exchanges (lf-tr-3's and lf-tr-4's) in two conversations; one time, 1.5 s.
    close(&m["avg_user_interactions"], 1.0, "both answers are exchanges");
    close(&m["avg_response_time_ms"], 1500.0, "only the measured one");
    close(&m["p50_response_time_ms"], 1500.0, "never 0 ms from the unknown one");

    // Alone, the unknown answer leaves the response times empty (null), not 0.
    let alone = Workspace::new();
    let page: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("langfuse/api/traces-page.json")).unwrap()).unwrap();
    let only: Vec<_> = page["data"].as_array().unwrap().iter().filter(|t| t["id"] == "lf-tr-4").cloned().collect();
    let file = alone.dir.path().join("only-lf-tr-4.json");
    std::fs::write(&file, json!({"data": only, "meta": page["meta"]}).to_string()).unwrap();
    alone.import(&[file]);
    let m = dashboard(&alone);
    assert_eq!((m["agent_messages"].clone(), m["avg_response_time_ms"].clone()), (json!(1), json!(null)));
}

/// Issue 15: a traces CSV written before Langfuse's fix of double-quoted JSON
/// strings (early 2026): every text cell is `"""..."""`.
#[test]
fn a_traces_csv_from_before_the_quoting_fix_imports() {
    let ws = Workspace::new();
    let report = ws.import(&[fixture("langfuse/traces-before-the-csv-fix.csv")]);
    assert_eq!(report.files[0].format, "langfuse-traces");
    assert_eq!(report.rejected, 0, "{:?}", report.files[0].rejections);
    let m = dashboard(&ws);
    assert_eq!(
        (m["total_conversations"].clone(), m["user_messages"].clone(), m["agent_messages"].clone()),
        (json!(2), json!(2), json!(2))
    );
    close(&m["avg_response_time_ms"], (800.0 + 1200.0) / 2.0, "latencies 0.8 s and 1.2 s");
    assert_eq!((m["tokens"]["prompt"].clone(), m["tokens"]["completion"].clone()), (json!(12), json!(4)));
    close(&m["tokens"]["cost"], 0.00002, "cost");
    assert_eq!(m["unique_users"], 2);
    let t = ws.engine().transcript("lf-tr-5").unwrap();
    assert_eq!(t.messages[0].message.content.as_deref(), Some("Hi, are you open on Sunday?"), "without its quotes");
}

/// Issue 15: a traces export without usage, imported with an observations
/// export (the current CSV, or the older JSON with `promptTokens` and
/// `calculatedTotalCost`): each generation's tokens and cost go on its
/// trace's agent message, as a trace's download credits them, and the last
/// generation's model; a trace without latency is answered when its last
/// generation ended. Worked out by hand from `table-export/`: tx-1 has ox-2
/// (400 + 100 cached in, 50 out, $0.00009) and ox-4 (700 in, 40 out,
/// $0.00013); tx-2 has ox-5 (300 in, 25 out, $0.001, ended 2.3 s after the
/// question); tx-3 has none. The order of the files changes nothing, nor
/// does importing them again.
#[test]
fn observations_exports_credit_generation_tokens_and_cost_to_their_trace() {
    let traces = fixture("langfuse/table-export/traces-without-usage.json");
    for observations in ["langfuse/table-export/observations.csv", "langfuse/table-export/observations-older.json"] {
        let observations = fixture(observations);
        let mut seen = Vec::new();
        for files in [[traces.clone(), observations.clone()], [observations.clone(), traces.clone()]] {
            let ws = Workspace::new();
            let report = ws.import(&files);
            let formats: Vec<&str> = report.files.iter().map(|f| f.format.as_str()).collect();
            assert_eq!(formats, ["langfuse-traces", "langfuse-observations"], "{observations:?}");
            assert_eq!(report.rejected, 0, "{:?}", report.files.iter().map(|f| &f.rejections).collect::<Vec<_>>());
            let m = dashboard(&ws);
            assert_eq!(
                (m["total_conversations"].clone(), m["user_messages"].clone(), m["agent_messages"].clone()),
                (json!(2), json!(3), json!(3))
            );
            assert_eq!(
                (m["tokens"]["prompt"].clone(), m["tokens"]["completion"].clone()),
                (json!(1500), json!(115)),
                "{observations:?}"
            );
            close(&m["tokens"]["cost"], 0.00009 + 0.00013 + 0.001, "the generations' costs");
            close(&m["avg_response_time_ms"], (3000.0 + 2300.0 + 1500.0) / 3.0, "tx-2 from its generation's end");
            assert_eq!(
                m["tools"],
                json!([{"name": "track_parcel", "count": 1, "avg_duration_ms": 500.0, "errors": 0}])
            );

            let t = ws.engine().transcript("sx-1").unwrap();
            let answers: Vec<_> = t
                .messages
                .iter()
                .filter(|m| m.message.role == Role::Agent)
                .map(|m| (m.message.model.clone(), m.message.prompt_tokens, m.message.completion_tokens))
                .collect();
            assert_eq!(
                answers,
                [(Some("gpt-4o-mini".into()), Some(1200), Some(90)), (Some("gpt-4o".into()), Some(300), Some(25))]
            );

            let again = ws.import(&files);
            assert_eq!(again.rejected, 0);
            assert_eq!(dashboard(&ws), m, "re-importing changes nothing");
            seen.push(m);
        }
        assert_eq!(seen[0], seen[1], "either order gives the same numbers");
    }
}
