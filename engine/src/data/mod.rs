//! Data: CSV → cleaned, timed, numeric series → chronological split → scaling → windows.

pub mod calendar;
pub mod cell;
pub mod scale;
pub mod season;
pub mod series;
pub mod split;
pub mod table;
pub mod time;
pub mod window;
