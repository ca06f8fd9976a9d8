//! Namespace URIs, endpoint versions and fixed names, taken from `netsuite.wsdl` and the XSDs
//! in `../shared/netsuite-wsdl/2017_2` and `2023_2`.
//!
//! Each endpoint version `<v>` (2017_2, 2023_2, 2025_2) has its own path,
//! `/services/NetSuitePort_<v>`, and its own namespaces, `urn:<module>_<v>.<group>.webservices.netsuite.com`.
//! The readers of requests match the 2017_2 names below ([`MESSAGES`], [`CORE`]...): a request
//! to another version's path is first checked to use that version's namespaces only and then
//! read with its NetSuite namespaces mapped onto 2017_2's (`protocol::request::read`). Answers
//! are written in the version's own namespaces ([`SoapVersion::urns`]).

/// A NetSuite SOAP endpoint version the simulator serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SoapVersion {
    /// `2017_2`.
    #[default]
    V2017_2,
    /// `2023_2`.
    V2023_2,
    /// `2025_2`.
    V2025_2,
}

impl SoapVersion {
    /// Every version served.
    pub const ALL: [SoapVersion; 3] = [SoapVersion::V2017_2, SoapVersion::V2023_2, SoapVersion::V2025_2];

    /// `2017_2`, `2023_2` or `2025_2`.
    pub fn as_str(self) -> &'static str {
        match self {
            SoapVersion::V2017_2 => "2017_2",
            SoapVersion::V2023_2 => "2023_2",
            SoapVersion::V2025_2 => "2025_2",
        }
    }

    /// The version called `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == text)
    }

    /// The endpoint path, `/services/NetSuitePort_<v>`.
    pub fn path(self) -> &'static str {
        match self {
            SoapVersion::V2017_2 => "/services/NetSuitePort_2017_2",
            SoapVersion::V2023_2 => "/services/NetSuitePort_2023_2",
            SoapVersion::V2025_2 => "/services/NetSuitePort_2025_2",
        }
    }

    /// The namespace URIs answers of this version are written in.
    pub(crate) fn urns(self) -> &'static Urns {
        match self {
            SoapVersion::V2017_2 => &URNS_2017_2,
            SoapVersion::V2023_2 => &URNS_2023_2,
            SoapVersion::V2025_2 => &URNS_2025_2,
        }
    }
}

/// The NetSuite namespace URIs of one version.
#[derive(Debug)]
pub(crate) struct Urns {
    /// `platformMsgs`: request and response wrappers, `tokenPassport`, `searchPreferences`.
    pub messages: &'static str,
    /// `platformCore`: `TokenPassport` children, `searchResult`, `status`, `RecordRef`.
    pub core: &'static str,
    /// `platformCommon`: the `*SearchBasic` types.
    pub common: &'static str,
    /// `platformFaults`: the fault detail elements.
    pub faults: &'static str,
    /// `listRel`: Vendor, Customer, Contact...
    pub list_rel: &'static str,
    /// `listEmp`: Employee.
    pub list_emp: &'static str,
    /// `listAcct`: Department, ExpenseCategory...
    pub list_acct: &'static str,
    /// `tranPurch`: VendorBill, PurchaseOrder, VendorCredit, VendorPayment.
    pub tran_purch: &'static str,
    /// `tranBank`: Check.
    pub tran_bank: &'static str,
    /// `tranEmp`: ExpenseReport.
    pub tran_emp: &'static str,
}

macro_rules! urns {
    ($v:literal) => {
        Urns {
            messages: concat!("urn:messages_", $v, ".platform.webservices.netsuite.com"),
            core: concat!("urn:core_", $v, ".platform.webservices.netsuite.com"),
            common: concat!("urn:common_", $v, ".platform.webservices.netsuite.com"),
            faults: concat!("urn:faults_", $v, ".platform.webservices.netsuite.com"),
            list_rel: concat!("urn:relationships_", $v, ".lists.webservices.netsuite.com"),
            list_emp: concat!("urn:employees_", $v, ".lists.webservices.netsuite.com"),
            list_acct: concat!("urn:accounting_", $v, ".lists.webservices.netsuite.com"),
            tran_purch: concat!("urn:purchases_", $v, ".transactions.webservices.netsuite.com"),
            tran_bank: concat!("urn:bank_", $v, ".transactions.webservices.netsuite.com"),
            tran_emp: concat!("urn:employees_", $v, ".transactions.webservices.netsuite.com"),
        }
    };
}

const URNS_2017_2: Urns = urns!("2017_2");
const URNS_2023_2: Urns = urns!("2023_2");
const URNS_2025_2: Urns = urns!("2025_2");

/// SOAP 1.1 envelope namespace.
pub const SOAPENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// XML Schema instance namespace (for `xsi:type`).
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// XML Schema namespace.
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema";
/// `platformMsgs` as the readers match it (2017_2).
pub const MESSAGES: &str = URNS_2017_2.messages;
/// `platformCore` as the readers match it (2017_2).
pub const CORE: &str = URNS_2017_2.core;
/// `platformCommon` as the readers match it (2017_2).
pub const COMMON: &str = URNS_2017_2.common;

/// Suffix of every NetSuite namespace URI.
const NETSUITE_SUFFIX: &str = ".webservices.netsuite.com";

/// A NetSuite namespace URI split into `(module, version, group)`:
/// `urn:types.core_2023_2.platform.webservices.netsuite.com` is
/// `("types.core", "2023_2", "platform")`. `None` for any other URI.
pub(crate) fn split_netsuite_urn(uri: &str) -> Option<(&str, &str, &str)> {
    let rest = uri.strip_prefix("urn:")?.strip_suffix(NETSUITE_SUFFIX)?;
    let (head, group) = rest.rsplit_once('.')?;
    let mut parts = head.rsplitn(3, '_');
    let (minor, year, module) = (parts.next()?, parts.next()?, parts.next()?);
    let version = &head[module.len() + 1..];
    let ok = !module.is_empty()
        && year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && !minor.is_empty()
        && minor.bytes().all(|b| b.is_ascii_digit());
    ok.then_some((module, version, group))
}

/// The name the readers match for NetSuite namespace `uri` of version `version`: the same
/// module and group at 2017_2. `None` when `uri` is no NetSuite namespace; `Err(version of
/// uri)` when it is one of another version.
pub(crate) fn reading_name(uri: &str, version: SoapVersion) -> Option<Result<String, String>> {
    let (module, v, group) = split_netsuite_urn(uri)?;
    if v != version.as_str() {
        return Some(Err(v.to_string()));
    }
    Some(Ok(format!("urn:{module}_2017_2.{group}{NETSUITE_SUFFIX}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urns_paths_and_splitting() {
        for v in SoapVersion::ALL {
            let s = v.as_str();
            assert_eq!(v.path(), format!("/services/NetSuitePort_{s}"));
            assert_eq!(SoapVersion::parse(s), Some(v));
            let u = v.urns();
            for uri in [u.messages, u.core, u.common, u.faults, u.list_rel, u.list_emp, u.list_acct] {
                assert_eq!(split_netsuite_urn(uri).map(|(_, v, _)| v), Some(s), "{uri}");
            }
            assert_eq!(u.tran_purch, format!("urn:purchases_{s}.transactions.webservices.netsuite.com"));
            assert_eq!(reading_name(u.messages, v), Some(Ok(MESSAGES.to_string())));
            assert_eq!(reading_name(u.common, v), Some(Ok(COMMON.to_string())));
        }
        assert_eq!(
            split_netsuite_urn("urn:types.core_2023_2.platform.webservices.netsuite.com"),
            Some(("types.core", "2023_2", "platform"))
        );
        assert_eq!(split_netsuite_urn(SOAPENV), None);
        assert_eq!(split_netsuite_urn("urn:messages.platform.webservices.netsuite.com"), None);
        assert_eq!(reading_name(URNS_2017_2.core, SoapVersion::V2025_2), Some(Err("2017_2".to_string())));
        assert_eq!(reading_name(XSI, SoapVersion::V2025_2), None);
    }
}
