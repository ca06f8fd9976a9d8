//! The control API of the SuiteQL side: ground truth only SuiteQL sees (credit card charges
//! and refunds) and the overload answer switch.

use crate::basics::account_id::AccountId;
use crate::http::state::Simulator;
use crate::model::error::SimError;
use crate::model::transactions::SimTransaction;

impl Simulator {
    /// The account's credit card charges and refunds now, in internal-id order: the ground
    /// truth of what only SuiteQL sees (`CardChrg`, `CardRfnd`; SOAP 2017_2 has no such
    /// record). Delete them with [`Simulator::delete_transactions`] and their kinds.
    pub fn card_transactions(&self, account: &AccountId) -> Result<Vec<SimTransaction>, SimError> {
        let st = self.lock();
        let a = st.accounts.get(account).ok_or_else(|| SimError::UnknownAccount(account.clone()))?;
        Ok(a.card_list())
    }

    /// Modifies `n` credit card charges and refunds (a deterministic choice): a new memo and a
    /// new amount on the first line, the total following, last modified now. Returns their
    /// internal ids, ascending.
    pub fn modify_card_transactions(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        let now = self.inner.clock.now_seconds();
        let mut st = self.lock();
        let a = st.accounts.get_mut(account).ok_or_else(|| SimError::UnknownAccount(account.clone()))?;
        Ok(a.modify_cards(n, now))
    }

    /// Whether a SuiteQL request over the account's concurrency limit is answered 401
    /// `INVALID_LOGIN` (as one report saw NetSuite do under parallel load, sheet Unsure 1)
    /// instead of 429 `CONCURRENCY_LIMIT_EXCEEDED` (the default).
    pub fn set_rest_overload_as_login_error(&self, on: bool) {
        self.lock().rest_overload_as_login_error = on;
    }
}
