//! Camera vendors' proprietary containers, one file each (domain.md §1.1).

pub mod dahua;
pub mod hikvision;
