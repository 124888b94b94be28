//! Converting the groups an aggregate statement returns into figures of their target
//! currencies. A statement that sums amounts of several currencies groups its rows by currency
//! and, for amounts not already in the target, by day (`foreign_day_sql`); this turns those
//! groups into exact figures with the caller's rates, loaded in one statement.

use std::{collections::HashMap, hash::Hash};

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use uuid::Uuid;

use crate::{
    foundation::{
        error::{AppError, AppResult},
        fx::{Converted, Exact, Rates},
        money::Currency,
    },
    rates::service::{Needs, rates_for},
};

/// One group of an aggregate: `N` sums of amounts in `currency`, dated `day` when they are not
/// in `target` (they need a rate then), belonging to the figure `key`.
#[derive(Debug, Clone)]
pub struct Group<K, const N: usize> {
    pub key: K,
    pub target: Currency,
    pub currency: Currency,
    pub day: Option<NaiveDate>,
    pub sums: [i64; N],
}

impl Group<Uuid, 1> {
    /// A group read from a row laid out `key, target currency, currency, day, sum`, the shape
    /// of the per-category aggregates.
    pub fn of_row(row: &QueryResult) -> Result<Self, DbErr> {
        let (target, currency): (String, String) = (row.try_get_by_index(1)?, row.try_get_by_index(2)?);
        Ok(Group {
            key: row.try_get_by_index(0)?,
            target: Currency::of(&target),
            currency: Currency::of(&currency),
            day: row.try_get_by_index(3)?,
            sums: [row.try_get_by_index(4)?],
        })
    }
}

/// SQL for the day of an amount that needs converting: `date_column` when `currency_column`
/// differs from `target` (a column, or a code quoted by [`currency_literal`]), else NULL, so
/// that amounts already in the target group together whatever their day.
pub fn foreign_day_sql(currency_column: &str, target: &str, date_column: &str) -> String {
    format!("CASE WHEN {currency_column} = {target} THEN NULL ELSE {date_column} END")
}

/// A currency code as an SQL literal. Codes are ISO 4217 letters (`Currency` parses them), so
/// the literal needs no escaping; inlining it keeps the grouping expression identical in
/// SELECT and GROUP BY, as PostgreSQL requires.
pub fn currency_literal(currency: Currency) -> String {
    let code: String = currency.code().chars().filter(char::is_ascii_alphabetic).collect();
    format!("'{code}'")
}

/// The figures of `groups`, per key: each group converted at its day's rate into its target and
/// added; a group without a rate is left out of its figure and named there.
pub async fn figures<K: Hash + Eq + Clone, const N: usize>(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    groups: Vec<Group<K, N>>,
) -> AppResult<HashMap<K, [Converted; N]>> {
    let (figures, _) = figures_and_rates(db, user_id, groups, Needs::default()).await?;
    Ok(figures)
}

/// [`figures`], with the rates loaded for them and for the `extra` conversions the caller
/// will do itself (in the same statement).
pub async fn figures_and_rates<K: Hash + Eq + Clone, const N: usize>(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    groups: Vec<Group<K, N>>,
    mut needs: Needs,
) -> AppResult<(HashMap<K, [Converted; N]>, Rates)> {
    for group in &groups {
        if group.currency != group.target {
            let day = group
                .day
                .ok_or_else(|| AppError::internal("a foreign-currency group without its day"))?;
            needs.add(group.currency, group.target, day);
        }
    }
    let rates = rates_for(db, user_id, &needs).await?;
    let mut figures: HashMap<K, [Converted; N]> = HashMap::new();
    for group in groups {
        let figure = figures
            .entry(group.key.clone())
            .or_insert_with(|| std::array::from_fn(|_| Converted::zero(group.target)));
        for (figure, sum) in figure.iter_mut().zip(group.sums) {
            match group.day {
                Some(day) => figure.add(&rates, sum, group.currency, day),
                None => figure.value += Exact::from_minor(sum),
            }
        }
    }
    Ok((figures, rates))
}
