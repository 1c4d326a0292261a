//! Camera vendors' proprietary containers, one file each (domain.md §1.1).

pub mod ambarella;
pub mod anjvision;
pub mod dahua;
pub mod grain_media;
pub mod hikvision;
pub mod instar;
pub mod reolink;
pub mod tenvis;
