//! The SOAP endpoint version a tenant talks: `2017_2` (the default), `2023_2` or `2025_2`.
//!
//! A version fixes two things and nothing else on our side: the endpoint path
//! `/services/NetSuitePort_<v>` and every NetSuite namespace URN,
//! `urn:<module>_<v>.<group>.webservices.netsuite.com` (the pattern of `netsuite.wsdl` 2017_2
//! and 2023_2, e.g. `urn:messages_2023_2.platform.webservices.netsuite.com`). Every element,
//! type and enumeration value the client writes has the same name and place in the 2017_2 and
//! 2023_2 XSDs (see `tests/xsd_requests.rs`, which validates each request shape against its
//! own version's XSDs), so the request shapes are shared; 2025_2 is built by the same pattern,
//! without a public schema to check it against. The parser matches local names only and reads
//! answers of any version.
//!
//! Oracle: 2025.2 is the last SOAP endpoint; from 2027.1 only the 2025_2 endpoint is
//! supported; with 2028.2 SOAP is removed.

use std::fmt;

/// A NetSuite SOAP web-services endpoint version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SoapVersion {
    /// `2017_2`: the default, the wire this program was built on.
    #[default]
    V2017_2,
    /// `2023_2`: the newest version whose WSDL and XSDs are public.
    V2023_2,
    /// `2025_2`: the last SOAP endpoint Oracle releases, the only one supported from 2027.1.
    V2025_2,
}

/// Why a string is not a supported endpoint version.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not a supported SOAP endpoint version: expected one of \"2017_2\", \"2023_2\", \"2025_2\"")]
pub struct InvalidSoapVersion(pub String);

/// The namespace URIs of one endpoint version (only those the client and its tests use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Namespaces {
    /// `platformMsgs`: request and response wrappers, `tokenPassport`, `searchPreferences`.
    pub messages: &'static str,
    /// `platformCore`: `TokenPassport` children, search fields, `GetDeletedFilter`, results.
    pub core: &'static str,
    /// `platformCommon`: the `*SearchBasic` types.
    pub common: &'static str,
    /// `platformFaults`: fault details.
    pub faults: &'static str,
    /// `listRel`: Vendor.
    pub list_rel: &'static str,
    /// `listEmp`: Employee.
    pub list_emp: &'static str,
    /// `listAcct`: Department, ExpenseCategory.
    pub list_acct: &'static str,
    /// `tranPurch`: VendorBill, PurchaseOrder, VendorCredit, VendorPayment, VendorReturnAuthorization.
    pub tran_purch: &'static str,
    /// `tranBank`: Check.
    pub tran_bank: &'static str,
    /// `tranEmp`: ExpenseReport.
    pub tran_emp: &'static str,
}

/// The namespaces of version `$v` by the WSDL's pattern.
macro_rules! namespaces {
    ($v:literal) => {
        Namespaces {
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

const NS_2017_2: Namespaces = namespaces!("2017_2");
const NS_2023_2: Namespaces = namespaces!("2023_2");
const NS_2025_2: Namespaces = namespaces!("2025_2");

impl SoapVersion {
    /// Every supported version, oldest first.
    pub const ALL: [SoapVersion; 3] = [SoapVersion::V2017_2, SoapVersion::V2023_2, SoapVersion::V2025_2];

    /// Parses `2017_2`, `2023_2` or `2025_2` (surrounding space ignored).
    pub fn parse(raw: &str) -> Result<Self, InvalidSoapVersion> {
        match raw.trim() {
            "2017_2" => Ok(SoapVersion::V2017_2),
            "2023_2" => Ok(SoapVersion::V2023_2),
            "2025_2" => Ok(SoapVersion::V2025_2),
            _ => Err(InvalidSoapVersion(raw.to_string())),
        }
    }

    /// `2017_2`, `2023_2` or `2025_2`: the `<v>` of the port and the URNs.
    pub fn as_str(self) -> &'static str {
        match self {
            SoapVersion::V2017_2 => "2017_2",
            SoapVersion::V2023_2 => "2023_2",
            SoapVersion::V2025_2 => "2025_2",
        }
    }

    /// The WSDL port name, `NetSuitePort_<v>`; the last segment of the endpoint path.
    pub fn port(self) -> &'static str {
        match self {
            SoapVersion::V2017_2 => "NetSuitePort_2017_2",
            SoapVersion::V2023_2 => "NetSuitePort_2023_2",
            SoapVersion::V2025_2 => "NetSuitePort_2025_2",
        }
    }

    /// The endpoint path, `/services/NetSuitePort_<v>`.
    pub fn path(self) -> &'static str {
        match self {
            SoapVersion::V2017_2 => "/services/NetSuitePort_2017_2",
            SoapVersion::V2023_2 => "/services/NetSuitePort_2023_2",
            SoapVersion::V2025_2 => "/services/NetSuitePort_2025_2",
        }
    }

    /// The version a port name (`NetSuitePort_2023_2`) names, if it is one we speak; `Err`
    /// with the text after `NetSuitePort_` when it names another.
    pub fn from_port(port: &str) -> Option<Result<Self, InvalidSoapVersion>> {
        port.strip_prefix("NetSuitePort_").map(Self::parse)
    }

    /// The namespace URIs of this version.
    pub fn namespaces(self) -> &'static Namespaces {
        match self {
            SoapVersion::V2017_2 => &NS_2017_2,
            SoapVersion::V2023_2 => &NS_2023_2,
            SoapVersion::V2025_2 => &NS_2025_2,
        }
    }
}

impl fmt::Display for SoapVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SoapVersion {
    type Err = InvalidSoapVersion;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_urns_follow_the_version() {
        for v in SoapVersion::ALL {
            let s = v.as_str();
            assert_eq!(v.path(), format!("/services/NetSuitePort_{s}"));
            assert_eq!(v.port(), format!("NetSuitePort_{s}"));
            assert_eq!(SoapVersion::parse(s), Ok(v));
            assert_eq!(SoapVersion::from_port(v.port()), Some(Ok(v)));
            let n = v.namespaces();
            for (uri, module, group) in [
                (n.messages, "messages", "platform"),
                (n.core, "core", "platform"),
                (n.common, "common", "platform"),
                (n.faults, "faults", "platform"),
                (n.list_rel, "relationships", "lists"),
                (n.list_emp, "employees", "lists"),
                (n.list_acct, "accounting", "lists"),
                (n.tran_purch, "purchases", "transactions"),
                (n.tran_bank, "bank", "transactions"),
                (n.tran_emp, "employees", "transactions"),
            ] {
                assert_eq!(uri, format!("urn:{module}_{s}.{group}.webservices.netsuite.com"));
            }
        }
        assert_eq!(SoapVersion::default(), SoapVersion::V2017_2);
    }

    #[test]
    fn refuses_other_versions() {
        for bad in ["", "2019_1", "2017.2", "v2023_2", "2025_2_0"] {
            let e = SoapVersion::parse(bad).unwrap_err().to_string();
            assert!(e.contains("2017_2") && e.contains("2025_2"), "{e}");
        }
        assert_eq!(SoapVersion::parse(" 2023_2 "), Ok(SoapVersion::V2023_2));
        assert!(matches!(SoapVersion::from_port("NetSuitePort_2019_1"), Some(Err(_))));
        assert_eq!(SoapVersion::from_port("other"), None);
    }
}
