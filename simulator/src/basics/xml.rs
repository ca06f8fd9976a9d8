//! A small namespace-resolved element tree for incoming requests.
//!
//! Requests are a few kilobytes, so a tree is the simplest way to read them: every element
//! knows its namespace URI and local name, and `xsi:type` values are resolved against the
//! prefixes in scope where they appear.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{QName, ResolveResult};
use quick_xml::NsReader;

use crate::basics::ns;

/// Deepest nesting accepted (NetSuite requests are far shallower).
const MAX_DEPTH: usize = 64;

/// A qualified name: namespace URI (if any) and local name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct QualifiedName {
    /// Namespace URI.
    pub ns: Option<String>,
    /// Local name.
    pub local: String,
}

impl QualifiedName {
    /// `{ns}local`, as Java's QName prints it.
    pub(crate) fn clark(&self) -> String {
        match &self.ns {
            Some(ns) => format!("{{{ns}}}{}", self.local),
            None => self.local.clone(),
        }
    }
}

/// An attribute (namespace declarations are not kept).
#[derive(Clone, Debug)]
pub(crate) struct Attr {
    /// Namespace URI of a prefixed attribute.
    pub ns: Option<String>,
    /// Local name.
    pub local: String,
    /// Unescaped value.
    pub value: String,
}

/// One element with its attributes, children and text.
#[derive(Clone, Debug)]
pub(crate) struct Element {
    /// Namespace URI and local name.
    pub name: QualifiedName,
    /// Attributes other than namespace declarations.
    pub attrs: Vec<Attr>,
    /// The resolved `xsi:type`, if the element has one.
    pub xsi_type: Option<QualifiedName>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// The element's own text (CDATA included), concatenated.
    pub text: String,
}

impl Element {
    /// Whether this element is `{ns}local`.
    pub(crate) fn is(&self, ns: &str, local: &str) -> bool {
        self.name.local == local && self.name.ns.as_deref() == Some(ns)
    }

    /// The first child called `local` in namespace `ns`.
    pub(crate) fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, local))
    }

    /// The first child called `local` in the messages namespace or in no namespace (Oracle's
    /// own samples leave some message children unqualified).
    pub(crate) fn message_child(&self, local: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.name.local == local && matches!(c.name.ns.as_deref(), Some(ns::MESSAGES) | None))
    }

    /// The value of the unprefixed attribute `local`.
    pub(crate) fn attr(&self, local: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.ns.is_none() && a.local == local).map(|a| a.value.as_str())
    }

    /// The text with surrounding whitespace removed.
    pub(crate) fn trimmed(&self) -> &str {
        self.text.trim()
    }
}

fn namespace(r: ResolveResult<'_>) -> Result<Option<String>, String> {
    match r {
        ResolveResult::Bound(ns) => Ok(Some(String::from_utf8_lossy(ns.as_ref()).into_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(p) => Err(format!("The prefix \"{}\" is not bound", String::from_utf8_lossy(&p))),
    }
}

fn element(reader: &NsReader<&[u8]>, element_ns: Option<String>, e: &BytesStart<'_>) -> Result<Element, String> {
    let name = QualifiedName { ns: element_ns, local: String::from_utf8_lossy(e.local_name().as_ref()).into_owned() };
    let mut attrs = Vec::new();
    let mut xsi_type = None;
    for a in e.attributes() {
        let a = a.map_err(|err| format!("bad attribute: {err}"))?;
        if a.key.as_namespace_binding().is_some() {
            continue;
        }
        let (res, local) = reader.resolve_attribute(a.key);
        let attr_ns = namespace(res)?;
        let value = a.unescape_value().map_err(|err| format!("bad attribute value: {err}"))?.into_owned();
        let local = String::from_utf8_lossy(local.as_ref()).into_owned();
        if attr_ns.as_deref() == Some(ns::XSI) && local == "type" {
            let (res, type_local) = reader.resolve_element(QName(value.trim().as_bytes()));
            xsi_type = Some(QualifiedName {
                ns: namespace(res)?,
                local: String::from_utf8_lossy(type_local.as_ref()).into_owned(),
            });
        }
        attrs.push(Attr { ns: attr_ns, local, value });
    }
    Ok(Element { name, attrs, xsi_type, children: Vec::new(), text: String::new() })
}

/// Parses a whole document into its root element. The error text reads like the message of
/// the SAX exception NetSuite's parser would raise.
pub(crate) fn parse(body: &[u8]) -> Result<Element, String> {
    let mut reader = NsReader::from_reader(body);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let pos = reader.buffer_position();
        let (resolved, event) = reader.read_resolved_event().map_err(|e| format!("{e} (at byte {pos})"))?;
        // Only start tags need their namespace; resolve it now, while the borrow is fresh.
        let element_ns = match event {
            Event::Start(_) | Event::Empty(_) => namespace(resolved)?,
            _ => None,
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if root.is_some() {
                    return Err("Content is not allowed after the root element".into());
                }
                let el = element(&reader, element_ns, e)?;
                if matches!(event, Event::Start(_)) {
                    if stack.len() >= MAX_DEPTH {
                        return Err("elements nested too deeply".into());
                    }
                    stack.push(el);
                } else {
                    attach(&mut stack, &mut root, el);
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or("closing tag without an open element")?;
                attach(&mut stack, &mut root, el);
            }
            Event::Text(t) => {
                let s = t.unescape().map_err(|e| format!("bad text: {e}"))?;
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => return Err("Content is not allowed in prolog".into()),
                }
            }
            Event::CData(c) => {
                let raw = c.into_inner();
                let s = std::str::from_utf8(&raw).map_err(|e| format!("invalid UTF-8: {e}"))?;
                match stack.last_mut() {
                    Some(top) => top.text.push_str(s),
                    None => return Err("Content is not allowed in prolog".into()),
                }
            }
            Event::DocType(_) => return Err("DOCTYPE is disallowed".into()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err("XML document structures must start and end within the same entity.".into());
    }
    root.ok_or_else(|| "Premature end of file.".into())
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_names_and_xsi_type() {
        let doc = br#"<?xml version="1.0"?>
<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:m="urn:messages_2017_2.platform.webservices.netsuite.com">
  <e:Body><m:search><m:searchRecord xmlns:c="urn:common_2017_2.platform.webservices.netsuite.com" xsi:type="c:VendorSearchBasic">
    <c:entityId operator="is"><x:searchValue xmlns:x="urn:core_2017_2.platform.webservices.netsuite.com">A &amp; B</x:searchValue></c:entityId>
  </m:searchRecord></m:search></e:Body></e:Envelope>"#;
        let root = parse(doc).unwrap();
        assert!(root.is(ns::SOAPENV, "Envelope"));
        let body = root.child(ns::SOAPENV, "Body").unwrap();
        let search = body.child(ns::MESSAGES, "search").unwrap();
        let rec = search.message_child("searchRecord").unwrap();
        let t = rec.xsi_type.as_ref().unwrap();
        assert_eq!((t.ns.as_deref(), t.local.as_str()), (Some(ns::COMMON), "VendorSearchBasic"));
        let f = &rec.children[0];
        assert_eq!(f.attr("operator"), Some("is"));
        assert_eq!(f.child(ns::CORE, "searchValue").unwrap().trimmed(), "A & B");
    }

    #[test]
    fn refuses_broken_documents() {
        for bad in [&b""[..], b"<a>", b"<a></b>", b"<a/><b/>", b"junk", b"<a>&bogus;</a>", b"<p:a/>"] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
