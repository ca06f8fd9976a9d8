//! Namespace URIs and fixed names of the 2017_2 endpoint, taken from `netsuite.wsdl` and the
//! XSDs in `../shared/netsuite-wsdl/2017_2`.

/// SOAP 1.1 envelope namespace.
pub const SOAPENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// XML Schema instance namespace (for `xsi:type`).
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// XML Schema namespace.
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema";
/// `platformMsgs`: request and response wrappers, `tokenPassport`, `searchPreferences`.
pub const MESSAGES: &str = "urn:messages_2017_2.platform.webservices.netsuite.com";
/// `platformCore`: `TokenPassport` children, `searchResult`, `status`, `RecordRef`.
pub const CORE: &str = "urn:core_2017_2.platform.webservices.netsuite.com";
/// `platformCommon`: the `*SearchBasic` types.
pub const COMMON: &str = "urn:common_2017_2.platform.webservices.netsuite.com";
/// `platformFaults`: the fault detail elements.
pub const FAULTS: &str = "urn:faults_2017_2.platform.webservices.netsuite.com";
/// `listRel`: Vendor, Customer, Contact...
pub const LIST_REL: &str = "urn:relationships_2017_2.lists.webservices.netsuite.com";
/// `listEmp`: Employee.
pub const LIST_EMP: &str = "urn:employees_2017_2.lists.webservices.netsuite.com";
/// `listAcct`: Department, ExpenseCategory...
pub const LIST_ACCT: &str = "urn:accounting_2017_2.lists.webservices.netsuite.com";
/// `tranPurch`: VendorBill, PurchaseOrder, VendorCredit, VendorPayment.
pub const TRAN_PURCH: &str = "urn:purchases_2017_2.transactions.webservices.netsuite.com";
/// `tranBank`: Check.
pub const TRAN_BANK: &str = "urn:bank_2017_2.transactions.webservices.netsuite.com";
/// `tranEmp`: ExpenseReport.
pub const TRAN_EMP: &str = "urn:employees_2017_2.transactions.webservices.netsuite.com";
