//! Dynamic-record rules (octoDNS's `dynamic` validator) and the deprecated `geo` rules.

use super::{RecordCtx, Reasons};

pub fn check(_ctx: &RecordCtx, _out: &mut Reasons) {}
