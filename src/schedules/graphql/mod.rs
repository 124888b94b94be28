//! Schedule and occurrence types, queries and mutations.

mod operations;
mod schedule;
mod suggestions;

pub use operations::{SchedulesMutation, SchedulesQuery};
pub use schedule::{OccurrenceStatus, Schedule, ScheduleOccurrence, WeekendRule};
pub use suggestions::{ScheduleSuggestion, SuggestionsMutation, SuggestionsQuery};
