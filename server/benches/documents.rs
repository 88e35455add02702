//! How long refusing a document built to be expensive to check takes (issue 12): the family
//! of adversarial documents in `support/adversarial.rs`, each executed in-process through
//! the real schema (`orgraph::graphql::schemas_without_data`, the same limits, checks and
//! validation as the server; no database: every one is refused before a resolver runs), and
//! the largest documents without fragments, which validation refuses field by field.
//!
//! ```text
//! cargo bench -p orgraph-server --bench documents -- --iterations 50
//! ```
//!
//! Prints each document's size, how it was refused and its latency; each section ends with
//! its worst time (target for the adversarial family: at most 5 ms).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use async_graphql::Request;
use support::{adversarial, human, load_average, read_flags, BenchResult, Machine, Samples};

const USAGE: &str = "usage: documents [--iterations N]";
const TARGET: Duration = Duration::from_millis(5);

fn main() -> BenchResult<()> {
    let mut iterations = 50;
    read_flags(
        USAGE,
        &[],
        |_| {},
        |flag, value| {
            match flag {
                "--iterations" => iterations = value.parse()?,
                other => return Err(format!("unknown flag {other}\n{USAGE}").into()),
            }
            Ok(())
        },
    )?;
    println!(
        "machine: {}; load average {}",
        Machine::detect().describe(),
        load_average()
    );
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let schema = orgraph::graphql::schemas_without_data();
    let refusal = |document: &str| -> (String, String) {
        let response = runtime.block_on(schema.execute(Request::new(document)));
        let Some(error) = response.errors.first() else {
            return ("accepted".into(), String::new());
        };
        let code = error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .map_or_else(|| "(validation)".to_owned(), |code| code.to_string());
        (code, error.message.chars().take(60).collect())
    };

    for (section, documents) in [
        (
            "adversarial (each must be LIMIT_EXCEEDED)",
            adversarial::family(),
        ),
        (
            "no fragments, up to the 64 KiB document limit",
            adversarial::flat(),
        ),
        (
            "no fragments, as large as the document bound allows (validation refuses them)",
            adversarial::flat_within(orgraph::graphql::MAX_DOCUMENT_COST as usize),
        ),
    ] {
        println!("\n{section}");
        let mut worst: Option<(Duration, String)> = None;
        for (what, document) in documents {
            let (code, message) = refusal(&document);
            let samples = Samples::measure(iterations, || {
                runtime.block_on(schema.execute(Request::new(document.as_str())));
                Ok(())
            })?;
            let max = samples.percentile(100.0);
            println!(
                "  {what:<60} {:>6} B  {code} {message:?}\n  {:<60} {}",
                document.len(),
                "",
                samples.summary()
            );
            if worst.as_ref().is_none_or(|(w, _)| max > *w) {
                worst = Some((max, what));
            }
        }
        if let Some((max, what)) = worst {
            println!("  worst: {} ({what}); target {}", human(max), human(TARGET));
        }
    }
    Ok(())
}
