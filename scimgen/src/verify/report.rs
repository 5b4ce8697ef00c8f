//! The report of a run: one line per step, the request, the response and what was expected
//! for each failure, a summary, and the same as JSON for CI.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

/// How a step went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Skip,
}

/// A request as sent, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentRequest {
    pub method: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// A response as received, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReceivedResponse {
    pub status: u16,
    pub body: String,
}

/// One step's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepResult {
    pub id: String,
    pub title: String,
    pub source: String,
    pub outcome: Outcome,
    /// Why it failed or was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<SentRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ReceivedResponse>,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub profile: String,
    pub url: String,
    /// The prefix of every name this run created.
    pub marker: String,
    /// What discovery found (resource types, features), and what was left out because of it.
    pub notes: Vec<String>,
    pub steps: Vec<StepResult>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Summary {
    pub fn of(steps: &[StepResult]) -> Summary {
        let count = |outcome| steps.iter().filter(|s| s.outcome == outcome).count();
        Summary { passed: count(Outcome::Pass), failed: count(Outcome::Fail), skipped: count(Outcome::Skip) }
    }
}

/// Long bodies are cut in the text report (the JSON report keeps them whole).
const SHOWN_BODY_CHARS: usize = 1500;

fn indented(text: &str, indent: &str) -> String {
    text.lines().map(|line| format!("{indent}{line}")).collect::<Vec<_>>().join("\n")
}

fn shown(text: &str) -> String {
    match text.char_indices().nth(SHOWN_BODY_CHARS) {
        Some((cut, _)) => format!("{}... ({} more bytes)", &text[..cut], text.len() - cut),
        None => text.to_owned(),
    }
}

impl Report {
    /// Nothing failed.
    pub fn passed(&self) -> bool {
        self.summary.failed == 0
    }

    /// The report people read.
    pub fn render(&self) -> String {
        let mut out =
            format!("scimgen verify --profile {} {} (names start with {})\n", self.profile, self.url, self.marker);
        for note in &self.notes {
            let _ = writeln!(out, "  note  {note}");
        }
        for step in &self.steps {
            let label = match step.outcome {
                Outcome::Pass => "pass",
                Outcome::Fail => "FAIL",
                Outcome::Skip => "skip",
            };
            let _ = writeln!(out, "  {label}  {}: {}", step.id, step.title);
            match step.outcome {
                Outcome::Pass => {}
                Outcome::Skip => {
                    let _ = writeln!(out, "        {}", step.reason.as_deref().unwrap_or_default());
                }
                Outcome::Fail => {
                    let _ = writeln!(out, "        source:   {}", step.source);
                    if let Some(request) = &step.request {
                        let _ = writeln!(out, "        request:  {} {}", request.method, request.path);
                        if let Some(body) = &request.body {
                            let pretty = serde_json::to_string_pretty(body).unwrap_or_default();
                            let _ = writeln!(out, "{}", indented(&pretty, "                  "));
                        }
                    }
                    if let Some(response) = &step.response {
                        let _ = writeln!(out, "        response: {}", response.status);
                        if !response.body.is_empty() {
                            let _ = writeln!(out, "{}", indented(&shown(&response.body), "                  "));
                        }
                    }
                    let _ = writeln!(out, "        expected: {}", step.reason.as_deref().unwrap_or_default());
                }
            }
        }
        let Summary { passed, failed, skipped } = self.summary;
        let _ = writeln!(out, "summary: {passed} passed, {failed} failed, {skipped} skipped");
        out
    }
}
