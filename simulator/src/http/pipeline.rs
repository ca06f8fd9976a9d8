//! The request pipeline: parse the envelope, authenticate, take a concurrency slot, apply
//! injected faults, run the operation, wait out the latency, and log what was answered.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::basics::account_id::AccountId;
use crate::basics::log::{LoggedRequest, Outcome};
use crate::basics::ns::SoapVersion;
use crate::basics::xml;
use crate::http::governance::InFlight;
use crate::http::reply::{accepts_gzip, Reply};
use crate::http::state::Simulator;
use crate::model::faults::InjectedFault;
use crate::protocol::auth;
use crate::protocol::get_deleted::{self, DeletedAnswer, DeletedQuery};
use crate::protocol::request::{self, RequestError, SearchPrefs, SoapRequest};
use crate::protocol::respond::{self, FaultDetail, SearchOp, BAD_GATEWAY_HTML};
use crate::protocol::respond_deleted;
use crate::protocol::search::{self, SearchAnswer};
use crate::protocol::search_spec::SearchSpec;

/// The log fields learnt while a request is handled.
#[derive(Default)]
struct Entry {
    /// The endpoint version of the request's path.
    version: SoapVersion,
    operation: Option<String>,
    account: Option<String>,
    search_type: Option<String>,
    type_filter: Option<Vec<String>>,
    page_index: Option<u32>,
}

/// A parsed operation, ready to run once the request is authenticated.
enum Call {
    Search(Box<SearchSpec>),
    More { search_id: String, page_index: i32 },
    GetDeleted(Box<DeletedQuery>),
}

/// What an operation answered, before it is written.
enum Answer {
    Search(SearchAnswer),
    Deleted(DeletedAnswer),
}

impl Simulator {
    /// Handles one SOAP request posted to the path of `v` and logs it.
    async fn handle(&self, v: SoapVersion, headers: &HeaderMap, body: Bytes) -> Reply {
        let started = Instant::now();
        let at = self.inner.clock.now();
        let mut entry = Entry { version: v, ..Entry::default() };
        let soap_action = headers.get("soapaction").and_then(|v| v.to_str().ok());
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let gzip_ok = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(accepts_gzip);
        let reply = self.process(v, soap_action, host, &body, gzip_ok, &mut entry).await;
        // (An answer sent before any wait, a fault, is compressed here.)
        let reply = if gzip_ok { reply.gzipped() } else { reply };
        tracing::debug!(
            operation = entry.operation.as_deref().unwrap_or("-"),
            account = entry.account.as_deref().unwrap_or("-"),
            outcome = ?reply.outcome,
            injected = reply.injected,
            "simulator request"
        );
        let mut st = self.lock();
        let record = st.record_bodies;
        let logged = LoggedRequest {
            at,
            version: Some(entry.version),
            elapsed: started.elapsed(),
            operation: entry.operation,
            account: entry.account,
            search_type: entry.search_type,
            type_filter: entry.type_filter,
            page_index: entry.page_index,
            outcome: reply.outcome.clone(),
            http_status: if reply.body.is_some() { reply.status.as_u16() } else { 0 },
            injected: reply.injected,
            note: reply.note.clone(),
            request_body: record.then(|| body.to_vec()),
            response_body: if record { reply.body.clone() } else { None },
        };
        if st.log.len() >= self.inner.log_capacity {
            st.log.pop_front();
        }
        st.log.push_back(logged);
        reply
    }

    async fn process(
        &self,
        v: SoapVersion,
        soap_action: Option<&str>,
        host: Option<&str>,
        body: &[u8],
        gzip_ok: bool,
        entry: &mut Entry,
    ) -> Reply {
        let root = match xml::parse(body) {
            Ok(r) => r,
            Err(e) => return Reply::unreadable(&format!("org.xml.sax.SAXParseException: {e}"), v),
        };
        let req = match request::read(root, soap_action, v) {
            Ok(r) => r,
            Err(RequestError(m)) => return Reply::unreadable(&m, v),
        };
        entry.operation = Some(req.operation.clone());
        entry.account = req.passport.as_ref().and_then(|p| p.account.clone());
        let call = match req.operation.as_str() {
            "getDataCenterUrls" => return self.data_center_urls(&req, host, entry, v),
            "search" => match crate::protocol::search_spec::parse_search(&req.body) {
                Ok(spec) => {
                    entry.search_type = Some(spec.type_name().to_string());
                    entry.type_filter = spec.type_filter();
                    entry.page_index = Some(1);
                    Call::Search(Box::new(spec))
                }
                Err(m) => return Reply::unreadable(&m, v),
            },
            "searchMoreWithId" => match crate::protocol::search_spec::parse_more(&req.body) {
                Ok((search_id, page_index)) => {
                    entry.page_index = u32::try_from(page_index).ok();
                    Call::More { search_id, page_index }
                }
                Err(m) => return Reply::unreadable(&m, v),
            },
            "getDeleted" => match get_deleted::parse(&req.body) {
                Ok(q) => {
                    entry.type_filter = q.type_filter();
                    entry.page_index = u32::try_from(q.page_index).ok();
                    Call::GetDeleted(Box::new(q))
                }
                Err(m) => return Reply::unreadable(&m, v),
            },
            other => return Reply::unreadable(&format!("No such operation '{other}' (not simulated)"), v),
        };

        let authenticated = {
            let mut st = self.lock();
            auth::authenticate(&mut st.accounts, &req, Utc::now().timestamp(), self.inner.max_skew_secs)
        };
        let account = match authenticated {
            Ok(a) => a,
            Err(why) => return Reply::invalid_login(why, v),
        };
        let Ok(_slot) = InFlight::admit(self, &account) else {
            return Reply::blocked(v);
        };
        let (fault, latency) = {
            let mut st = self.lock();
            (st.faults.next(&account), st.latency)
        };
        let extra = match &fault {
            Some(InjectedFault::Latency(d)) => *d,
            _ => Duration::ZERO,
        };
        // The answer is worked out (and compressed) at once and sent when the latency has
        // passed since the request was admitted (the request keeps its slot meanwhile):
        // requests that wake together do not then queue for the simulator's own work.
        let due = tokio::time::Instant::now() + latency + extra;
        let reply = self.answer(&account, call, req.prefs, fault, entry);
        let reply = if gzip_ok { reply.gzipped() } else { reply };
        if !(latency + extra).is_zero() {
            tokio::time::sleep_until(due).await;
        }
        reply
    }

    /// The answer to an authenticated, admitted call, faults injected.
    fn answer(
        &self,
        account: &AccountId,
        call: Call,
        prefs: SearchPrefs,
        fault: Option<InjectedFault>,
        entry: &mut Entry,
    ) -> Reply {
        let v = entry.version;
        let op = match call {
            Call::Search(_) => SearchOp::Search,
            Call::More { .. } => SearchOp::SearchMoreWithId,
            Call::GetDeleted(_) => SearchOp::GetDeleted,
        };
        let mut truncate = false;
        let mut short = false;
        let mut bad_gzip = false;
        match fault {
            None | Some(InjectedFault::Latency(_)) => {}
            Some(InjectedFault::BadGzip) => bad_gzip = true,
            Some(InjectedFault::ShortPage) => short = true,
            Some(InjectedFault::Truncated) => truncate = true,
            Some(InjectedFault::Soap { code, detail_name, message }) => {
                let detail = FaultDetail { name: &detail_name, code: &code, message: &message };
                return Reply::fault(&message, Some(detail), v).injected();
            }
            Some(InjectedFault::StatusError { code, message }) => {
                let ns_id = self.lock().ids.next(account, self.inner.clock.now());
                let answer = SearchAnswer::Error { code: code.clone(), message };
                return Reply::xml(respond::search_result(op, &ns_id, &answer, v), Outcome::StatusError { code })
                    .injected();
            }
            Some(InjectedFault::Http(code)) => {
                let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let text = format!("{} {}\n", status.as_u16(), status.canonical_reason().unwrap_or("Error"));
                return Reply::plain(status, "text/plain; charset=utf-8", text.into_bytes()).injected();
            }
            Some(InjectedFault::HtmlPage) => {
                return Reply::plain(StatusCode::BAD_GATEWAY, "text/html", BAD_GATEWAY_HTML.as_bytes().to_vec())
                    .injected();
            }
            Some(InjectedFault::DropConnection) => return Reply::dropped().injected(),
        }
        let reply = self.run(account, op, call, prefs, entry, short);
        let reply = if bad_gzip { reply.bad_gzip() } else { reply };
        if truncate {
            reply.truncated()
        } else {
            reply
        }
    }

    /// Runs an authenticated call, answering in the version of `entry`. The lock is released
    /// before the XML is written.
    fn run(
        &self,
        account: &AccountId,
        op: SearchOp,
        call: Call,
        prefs: SearchPrefs,
        entry: &mut Entry,
        short: bool,
    ) -> Reply {
        let v = entry.version;
        let now = self.inner.clock.now();
        let (ns_id, answer) = {
            let mut guard = self.lock();
            let st = &mut *guard;
            let ns_id = st.ids.next(account, now);
            let Some(acct) = st.accounts.get(account) else {
                return Reply::unreadable("the account disappeared while the request ran", v);
            };
            let answer = match call {
                Call::Search(spec) => {
                    Answer::Search(search::start(acct, &mut st.sessions, &mut st.ids, *spec, prefs, now))
                }
                Call::More { search_id, page_index } => {
                    let (answer, spec) = search::more(acct, account, &mut st.sessions, &search_id, page_index, now);
                    if let Some(spec) = spec {
                        entry.search_type = Some(spec.type_name().to_string());
                        entry.type_filter = spec.type_filter();
                    }
                    Answer::Search(answer)
                }
                Call::GetDeleted(q) => Answer::Deleted(get_deleted::run(acct, &q, prefs)),
            };
            (ns_id, answer)
        };
        let mut answer = match answer {
            Answer::Search(a) => a,
            Answer::Deleted(d) => return deleted_reply(&ns_id, &d, v),
        };
        let mut injected = false;
        if let SearchAnswer::Page(page) = &mut answer {
            injected |= page.faulted;
            if short && (page.page_index as usize) < page.total_pages {
                page.rows.drop_last();
                injected = true;
            }
        }
        let outcome = match &answer {
            SearchAnswer::Page(_) => Outcome::Ok,
            SearchAnswer::Error { code, .. } => Outcome::StatusError { code: code.clone() },
        };
        let reply = Reply::xml(respond::search_result(op, &ns_id, &answer, v), outcome);
        if injected {
            reply.injected()
        } else {
            reply
        }
    }

    /// `getDataCenterUrls`: no authentication; every domain is this server.
    fn data_center_urls(&self, req: &SoapRequest, host: Option<&str>, entry: &mut Entry, v: SoapVersion) -> Reply {
        let text = req.body.message_child("account").map(|e| e.trimmed().to_string());
        entry.account = text.clone();
        let id = text.as_deref().and_then(|t| AccountId::parse(t).ok());
        let ns_id = {
            let mut st = self.lock();
            match id {
                Some(id) if st.accounts.contains_key(&id) => Some(st.ids.next(&id, self.inner.clock.now())),
                _ => None,
            }
        };
        match ns_id {
            Some(ns_id) => {
                let base = format!("http://{}", host.unwrap_or("127.0.0.1"));
                Reply::xml(respond::data_center_urls(&ns_id, &base, v), Outcome::Ok)
            }
            None => Reply::fault(
                "Invalid account number.",
                Some(FaultDetail {
                    name: "invalidAccountFault",
                    code: "INVALID_ACCT",
                    message: "Invalid account number.",
                }),
                v,
            ),
        }
    }
}

/// The reply to `getDeleted`: its answer, marked injected when a paging fault shaped it.
fn deleted_reply(ns_id: &str, answer: &DeletedAnswer, v: SoapVersion) -> Reply {
    let (outcome, faulted) = match answer {
        DeletedAnswer::Page(p) => (Outcome::Ok, p.faulted),
        DeletedAnswer::Error { code, .. } => (Outcome::StatusError { code: code.clone() }, false),
    };
    let reply = Reply::xml(respond_deleted::get_deleted_result(ns_id, answer, v), outcome);
    if faulted {
        reply.injected()
    } else {
        reply
    }
}

/// The axum handler of the SOAP endpoint of version `v`.
pub(crate) async fn soap_endpoint(
    AxumState(sim): AxumState<Simulator>,
    v: SoapVersion,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.handle(v, &headers, body).await.into_response()
}
