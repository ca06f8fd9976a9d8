//! `platformCommon:ExpenseCategorySearchBasic`: the fields the simulator evaluates
//! (`internalId`, `isInactive`) and how an expense category is matched.

use crate::basics::xml::Element;
use crate::model::transactions::SimExpenseCategory;
use crate::protocol::fields::{criteria_in_order, parse_boolean, CriteriaError, FieldError, IdCond};

/// The `ExpenseCategorySearchBasic` sequence of `platform.common.xsd` 2017_2 (line 5075), in
/// order.
const FIELDS: &[&str] = &[
    "account",
    "description",
    "externalId",
    "externalIdString",
    "internalId",
    "internalIdNumber",
    "isInactive",
    "name",
    "rateRequired",
    "customFieldList",
];

/// The criteria of an expense category search; all must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ExpenseCategoryCriteria {
    internal_id: Option<IdCond>,
    is_inactive: Option<bool>,
}

impl ExpenseCategoryCriteria {
    /// Reads the criteria of a `searchRecord` element of type `ExpenseCategorySearchBasic`.
    pub(crate) fn parse(record: &Element) -> Result<Self, CriteriaError> {
        let mut c = ExpenseCategoryCriteria::default();
        for (name, el) in criteria_in_order(record, FIELDS)? {
            match name {
                "internalId" => c.internal_id = Some(IdCond::parse(el, name)?),
                "isInactive" => c.is_inactive = parse_boolean(el, name)?,
                other => return Err(FieldError(format!("{other}: this field is not simulated")).into()),
            }
        }
        Ok(c)
    }

    /// Whether category `c` meets every criterion.
    pub(crate) fn matches(&self, c: &SimExpenseCategory) -> bool {
        self.is_inactive.map_or(true, |b| c.is_inactive == b)
            && self.internal_id.as_ref().map_or(true, |i| i.matches(&c.internal_id))
    }
}
