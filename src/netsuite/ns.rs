//! Fixed names of the SOAP wire that do not depend on the endpoint version. The versioned
//! namespace URIs (`urn:messages_<v>.platform...`) come from
//! [`SoapVersion::namespaces`](super::version::SoapVersion::namespaces).

/// SOAP 1.1 envelope namespace.
pub const SOAPENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// XML Schema instance namespace (for `xsi:type`).
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// XML Schema namespace.
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema";
/// Domain suffix of per-account SuiteTalk hosts.
pub const HOST_SUFFIX: &str = "suitetalk.api.netsuite.com";
