//! Camera vendors' proprietary containers, one file each (domain.md §1.1).

pub mod ambarella;
pub mod anjvision;
pub mod arcadyan;
pub mod bosch;
pub mod dahua;
pub mod foscam;
pub mod fullhan;
pub mod grain_media;
pub mod hichip;
pub mod hikvision;
pub mod instar;
pub mod reolink;
pub mod tenvis;
pub mod xiongmai;
