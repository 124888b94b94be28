//! Schedule and occurrence types, queries and mutations.

mod operations;
mod schedule;

pub use operations::{SchedulesMutation, SchedulesQuery};
pub use schedule::{OccurrenceStatus, Schedule, ScheduleOccurrence, WeekendRule};
