//! Synchronization runs: their statuses, how a started run moves along its status script,
//! and the delivery of its content once it reaches `FINISHED`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::ldif::Ldif;
use super::workspace::SimWarning;

/// The status of a synchronization run, as the Integration API spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// Created, not started.
    Created,
    /// Ordered after the workspace's other runs.
    Sequentialized,
    /// Waiting to be processed.
    Pending,
    /// Being processed.
    InProgress,
    /// Processed; its content was delivered.
    Finished,
    /// Stopped before the end.
    Stopped,
    /// Processing failed.
    Failed,
}

impl RunStatus {
    /// Every status.
    pub const ALL: [RunStatus; 7] = [
        RunStatus::Created,
        RunStatus::Sequentialized,
        RunStatus::Pending,
        RunStatus::InProgress,
        RunStatus::Finished,
        RunStatus::Stopped,
        RunStatus::Failed,
    ];

    /// The name on the wire: `CREATED`, `SEQUENTIALIZED`, `PENDING`, `IN_PROGRESS`,
    /// `FINISHED`, `STOPPED` or `FAILED`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Created => "CREATED",
            RunStatus::Sequentialized => "SEQUENTIALIZED",
            RunStatus::Pending => "PENDING",
            RunStatus::InProgress => "IN_PROGRESS",
            RunStatus::Finished => "FINISHED",
            RunStatus::Stopped => "STOPPED",
            RunStatus::Failed => "FAILED",
        }
    }

    /// The status with this wire name, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether the run ends here (`FINISHED`, `STOPPED` or `FAILED`): a run in a final
    /// status no longer moves along its script.
    pub fn is_final(self) -> bool {
        matches!(self, RunStatus::Finished | RunStatus::Stopped | RunStatus::Failed)
    }

    /// A status script whose `polls`-th status poll after the start answers `FINISHED`:
    /// `[FINISHED]` for 0 or 1, `[IN_PROGRESS, FINISHED]` for 2, and `PENDING` repeated
    /// before those two for more (3 gives the default `[PENDING, IN_PROGRESS, FINISHED]`).
    pub fn script_finishing_at_poll(polls: usize) -> Vec<RunStatus> {
        match polls {
            0 | 1 => vec![RunStatus::Finished],
            n => {
                let mut s = vec![RunStatus::Pending; n - 2];
                s.extend([RunStatus::InProgress, RunStatus::Finished]);
                s
            }
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a started run moves to the next status of its script.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StatusAdvance {
    /// The start puts the run at the script's first status; each status poll after the
    /// first moves it one step (so the n-th poll answers the n-th status, and the last one
    /// from then on).
    #[default]
    PerPoll,
    /// The run is at the script's n-th status (counting from 0) once n times this long has
    /// passed on the simulator clock since its start (measured whenever it is looked at:
    /// a poll, the list, the warnings, or the control API). Zero: the last status at once.
    Every(Duration),
}

/// A synchronization run as tests see it.
#[derive(Clone, Debug)]
pub struct SimRun {
    /// The run id (a UUID).
    pub id: String,
    /// The LDIF's `description`, when it had one.
    pub description: Option<String>,
    /// Current status.
    pub status: RunStatus,
    /// The LDIF's `connectorType`.
    pub connector_type: String,
    /// The LDIF's `connectorId`.
    pub connector_id: String,
    /// The LDIF's `connectorVersion`.
    pub connector_version: String,
    /// The LDIF's `processingMode` (`partial` when it had none).
    pub processing_mode: String,
    /// The whole LDIF as sent.
    pub ldif: Arc<Value>,
    /// Whether the run was started.
    pub started: bool,
    /// When it was created (simulator clock).
    pub created_at: DateTime<Utc>,
    /// When it was started (simulator clock).
    pub started_at: Option<DateTime<Utc>>,
    /// Number of items in the LDIF's `content`.
    pub content_items: usize,
    /// Status polls answered for it so far.
    pub status_polls: usize,
    /// The messages of its warnings, as the warnings endpoint lists them.
    pub warnings: Vec<String>,
    /// Its warnings in full (content item, processor, status).
    pub warning_items: Vec<SimWarning>,
    /// Whether its content was delivered (it reached `FINISHED`).
    pub delivered: bool,
    /// Whether a processor configuration was applied to its content (it reached `FINISHED`
    /// and one matched).
    pub applied: bool,
}

/// One content item of a run that reached `FINISHED`.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveredItem {
    /// The run that delivered it.
    pub run_id: String,
    /// The run's `connectorType`.
    pub connector_type: String,
    /// The run's `connectorId`.
    pub connector_id: String,
    /// The item's `type` (the fact sheet type).
    pub item_type: String,
    /// The item's `id` (the external id).
    pub id: String,
    /// The item's `data`.
    pub data: Value,
}

/// A run inside the simulator.
pub(crate) struct Run {
    pub id: String,
    pub ldif: Arc<Value>,
    pub connector_type: String,
    pub connector_id: String,
    pub connector_version: String,
    pub description: Option<String>,
    pub processing_mode: String,
    pub content_items: usize,
    pub status: RunStatus,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    /// Statuses after the start (never empty once started).
    pub script: Vec<RunStatus>,
    /// Status polls answered.
    pub polls: usize,
    /// Warnings that appear when the run reaches a final status.
    pub final_warnings: Vec<SimWarning>,
    /// Warnings the endpoint lists.
    pub warnings: Vec<SimWarning>,
    /// Whether the content was delivered.
    pub delivered: bool,
    /// Whether the workspace processed the content (after delivery).
    pub processed: bool,
    /// Whether a configuration matched when it was processed.
    pub applied: bool,
    /// The first this-many items are left out with this warning (a fault).
    pub ignore_items: Option<(usize, String)>,
}

impl Run {
    /// A new run, `CREATED`.
    pub(crate) fn new(id: String, ldif: Ldif, now: DateTime<Utc>) -> Self {
        Self {
            id,
            ldif: Arc::new(ldif.value),
            connector_type: ldif.connector_type,
            connector_id: ldif.connector_id,
            connector_version: ldif.connector_version,
            description: ldif.description,
            processing_mode: ldif.processing_mode,
            content_items: ldif.content_items,
            status: RunStatus::Created,
            created_at: now,
            started_at: None,
            script: Vec::new(),
            polls: 0,
            final_warnings: Vec::new(),
            warnings: Vec::new(),
            delivered: false,
            processed: false,
            applied: false,
            ignore_items: None,
        }
    }

    /// Whether the run was started.
    pub(crate) fn started(&self) -> bool {
        self.started_at.is_some()
    }

    /// Starts the run with `script` (an empty one means `[FINISHED]`); with `fail`, the
    /// script's final status becomes `FAILED` (appended when it has none) and these warnings
    /// appear then.
    pub(crate) fn start(
        &mut self,
        now: DateTime<Utc>,
        mut script: Vec<RunStatus>,
        fail: Option<Vec<String>>,
        delivered: &mut Vec<DeliveredItem>,
    ) {
        if script.is_empty() {
            script.push(RunStatus::Finished);
        }
        if let Some(warnings) = fail {
            match script.iter().position(|s| s.is_final()) {
                Some(i) => {
                    script.truncate(i);
                    script.push(RunStatus::Failed);
                }
                None => script.push(RunStatus::Failed),
            }
            self.final_warnings.extend(warnings.into_iter().map(SimWarning::run_level));
        }
        self.started_at = Some(now);
        let first = script[0];
        self.script = script;
        self.set_status(first, delivered);
    }

    /// Moves the run as a status poll does under `advance` (counting the poll).
    pub(crate) fn poll(&mut self, now: DateTime<Utc>, advance: StatusAdvance, delivered: &mut Vec<DeliveredItem>) {
        if self.started() {
            self.polls += 1;
        }
        match advance {
            StatusAdvance::PerPoll => {
                if self.started() && !self.status.is_final() && !self.script.is_empty() {
                    let i = (self.polls.max(1) - 1).min(self.script.len() - 1);
                    self.set_status(self.script[i], delivered);
                }
            }
            StatusAdvance::Every(_) => self.catch_up(now, advance, delivered),
        }
    }

    /// Moves the run to where the clock says, under [`StatusAdvance::Every`].
    pub(crate) fn catch_up(&mut self, now: DateTime<Utc>, advance: StatusAdvance, delivered: &mut Vec<DeliveredItem>) {
        let StatusAdvance::Every(step) = advance else {
            return;
        };
        let Some(t0) = self.started_at else {
            return;
        };
        if self.status.is_final() || self.script.is_empty() {
            return;
        }
        let elapsed = (now - t0).to_std().unwrap_or(Duration::ZERO);
        let steps = if step.is_zero() {
            usize::MAX
        } else {
            usize::try_from(elapsed.as_nanos() / step.as_nanos()).unwrap_or(usize::MAX)
        };
        let i = steps.min(self.script.len() - 1);
        self.set_status(self.script[i], delivered);
    }

    /// Forces the status: the run stays there (its script becomes just that status).
    pub(crate) fn force_status(&mut self, status: RunStatus, delivered: &mut Vec<DeliveredItem>) {
        self.script = vec![status];
        self.set_status(status, delivered);
    }

    /// Sets the status; a final status brings the pending warnings, `FINISHED` delivers the
    /// content (once per run).
    fn set_status(&mut self, status: RunStatus, delivered: &mut Vec<DeliveredItem>) {
        self.status = status;
        if status.is_final() {
            self.warnings.append(&mut self.final_warnings);
        }
        if status == RunStatus::Finished && !self.delivered {
            self.delivered = true;
            self.deliver(delivered);
        }
    }

    /// Appends one [`DeliveredItem`] per content item.
    fn deliver(&self, delivered: &mut Vec<DeliveredItem>) {
        let Some(items) = self.ldif.get("content").and_then(Value::as_array) else {
            return;
        };
        delivered.reserve(items.len());
        for item in items {
            let text = |key: &str| item.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
            delivered.push(DeliveredItem {
                run_id: self.id.clone(),
                connector_type: self.connector_type.clone(),
                connector_id: self.connector_id.clone(),
                item_type: text("type"),
                id: text("id"),
                data: item.get("data").cloned().unwrap_or(Value::Null),
            });
        }
    }

    /// What tests see.
    pub(crate) fn snapshot(&self) -> SimRun {
        SimRun {
            id: self.id.clone(),
            description: self.description.clone(),
            status: self.status,
            connector_type: self.connector_type.clone(),
            connector_id: self.connector_id.clone(),
            connector_version: self.connector_version.clone(),
            processing_mode: self.processing_mode.clone(),
            ldif: Arc::clone(&self.ldif),
            started: self.started(),
            created_at: self.created_at,
            started_at: self.started_at,
            content_items: self.content_items,
            status_polls: self.polls,
            warnings: self.warnings.iter().map(|w| w.message.clone()).collect(),
            warning_items: self.warnings.clone(),
            delivered: self.delivered,
            applied: self.applied,
        }
    }

    /// The run as `GET /synchronizationRuns` lists it.
    pub(crate) fn list_entry(&self) -> Value {
        json!({
            "id": self.id,
            "status": self.status.as_str(),
            "description": self.description,
            "createdAt": self.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "startedAt": self.started_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true)),
            "connectorType": self.connector_type,
            "connectorId": self.connector_id,
            "connectorVersion": self.connector_version,
            "processingMode": self.processing_mode,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(items: usize) -> Run {
        let content: Vec<Value> =
            (0..items).map(|i| json!({"type": "Service", "id": format!("v{i}"), "data": {"n": i}})).collect();
        let body = json!({
            "connectorType": "t", "connectorId": "c", "connectorVersion": "1", "lxVersion": "1",
            "processingDirection": "inbound", "content": content
        });
        Run::new("r1".into(), super::super::ldif::parse(&serde_json::to_vec(&body).unwrap()).unwrap(), Utc::now())
    }

    #[test]
    fn scripts_for_poll_counts() {
        assert_eq!(RunStatus::script_finishing_at_poll(1), [RunStatus::Finished]);
        assert_eq!(
            RunStatus::script_finishing_at_poll(3),
            [RunStatus::Pending, RunStatus::InProgress, RunStatus::Finished]
        );
        assert_eq!(RunStatus::script_finishing_at_poll(5).len(), 5);
        for s in RunStatus::ALL {
            assert_eq!(RunStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn per_poll_progression_delivers_once() {
        let mut r = run(3);
        let mut out = Vec::new();
        let now = Utc::now();
        r.poll(now, StatusAdvance::PerPoll, &mut out);
        assert_eq!(r.status, RunStatus::Created, "not started: stays");
        r.start(now, RunStatus::script_finishing_at_poll(3), None, &mut out);
        let seen: Vec<RunStatus> = (0..5)
            .map(|_| {
                r.poll(now, StatusAdvance::PerPoll, &mut out);
                r.status
            })
            .collect();
        assert_eq!(
            seen,
            [RunStatus::Pending, RunStatus::InProgress, RunStatus::Finished, RunStatus::Finished, RunStatus::Finished]
        );
        assert_eq!(out.len(), 3);
        r.force_status(RunStatus::Finished, &mut out);
        assert_eq!(out.len(), 3, "delivered once");
        assert_eq!(out[2].id, "v2");
        assert_eq!(out[2].data, json!({"n": 2}));
    }

    #[test]
    fn failing_run_gets_warnings_at_the_end_and_delivers_nothing() {
        let mut r = run(2);
        let mut out = Vec::new();
        let now = Utc::now();
        r.start(now, RunStatus::script_finishing_at_poll(3), Some(vec!["bad".into()]), &mut out);
        assert!(r.warnings.is_empty());
        for _ in 0..3 {
            r.poll(now, StatusAdvance::PerPoll, &mut out);
        }
        assert_eq!(r.status, RunStatus::Failed);
        assert_eq!(r.warnings, [SimWarning::run_level("bad")]);
        assert!(out.is_empty());
    }

    #[test]
    fn timed_progression() {
        let mut r = run(1);
        let mut out = Vec::new();
        let t0 = Utc::now();
        let adv = StatusAdvance::Every(Duration::from_secs(10));
        r.start(t0, RunStatus::script_finishing_at_poll(3), None, &mut out);
        r.catch_up(t0 + chrono::TimeDelta::seconds(15), adv, &mut out);
        assert_eq!(r.status, RunStatus::InProgress);
        r.catch_up(t0 + chrono::TimeDelta::seconds(60), adv, &mut out);
        assert_eq!(r.status, RunStatus::Finished);
        assert_eq!(out.len(), 1);
    }
}
