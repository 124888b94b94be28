//! Exact currencies: every amount's currency is stored beside it (budgets, their categories,
//! transactions, savings goals and their contributions), and amounts are minor units of that
//! currency (JPY 0 decimals, KWD 3) instead of hundredths of any currency.
//!
//! Existing rows take their owner's currency. Amounts of users whose currency does not have two
//! decimals are rescaled: times 10 per extra decimal (exact), or divided by 10 per missing one,
//! rounded half to even (the only inexact step: a JPY amount entered as 1500.50 becomes 1500).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, amount columns, whose currency column decides the scale).
const AMOUNTS: [(&str, &[&str]); 6] = [
    ("budgets", &["amount"]),
    ("budget_categories", &["amount"]),
    ("transactions", &["amount"]),
    ("savings_goals", &["target_amount", "current_amount"]),
    ("goal_contributions", &["amount"]),
    ("users", &["monthly_income", "savings_goal"]),
];

#[derive(DeriveIden)]
enum Currency {
    Currency,
}

/// The ISO 4217 codes whose minor unit is not hundredths, by exponent.
fn codes_by_exponent() -> Vec<(u32, Vec<String>)> {
    let mut by_exponent: Vec<(u32, Vec<String>)> = Vec::new();
    for a in b'A'..=b'Z' {
        for b in b'A'..=b'Z' {
            for c in b'A'..=b'Z' {
                let code = String::from_utf8_lossy(&[a, b, c]).into_owned();
                let Some(exponent) = iso_currency::Currency::from_code(&code).and_then(|c| c.exponent()) else {
                    continue;
                };
                let exponent = u32::from(exponent);
                if exponent == 2 {
                    continue;
                }
                match by_exponent.iter_mut().find(|(e, _)| *e == exponent) {
                    Some((_, codes)) => codes.push(code),
                    None => by_exponent.push((exponent, vec![code])),
                }
            }
        }
    }
    by_exponent
}

/// `column` rescaled from `from` decimals to `to`: exact when gaining decimals, half to even
/// when losing them. Integer `/` and `%` truncate toward zero on both backends.
fn rescaled(column: &str, from: u32, to: u32) -> String {
    if to >= from {
        return format!("{column} * {}", 10_i64.pow(to - from));
    }
    let d = 10_i64.pow(from - to);
    format!(
        "({column} / {d} + CASE WHEN abs({column} % {d}) * 2 > {d} \
           OR (abs({column} % {d}) * 2 = {d} AND abs({column} / {d}) % 2 = 1) \
         THEN CASE WHEN {column} < 0 THEN -1 ELSE 1 END ELSE 0 END)"
    )
}

/// Rescales every amount of rows in a currency with another exponent than two, both ways.
async fn rescale(manager: &SchemaManager<'_>, to_exact: bool) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for (exponent, codes) in codes_by_exponent() {
        let list = codes.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ");
        let (from, to) = if to_exact { (2, exponent) } else { (exponent, 2) };
        for (table, columns) in AMOUNTS {
            let sets = columns
                .iter()
                .map(|column| format!("{column} = {}", rescaled(column, from, to)))
                .collect::<Vec<_>>()
                .join(", ");
            db.execute_unprepared(&format!("UPDATE {table} SET {sets} WHERE currency IN ({list})"))
                .await?;
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, _) in AMOUNTS.iter().filter(|(t, _)| *t != "users") {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(*table))
                        .add_column(
                            ColumnDef::new(Currency::Currency)
                                .string_len(3)
                                .not_null()
                                .default("USD"),
                        )
                        .to_owned(),
                )
                .await?;
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "UPDATE {table} SET currency = (SELECT u.currency FROM users u WHERE u.id = {table}.user_id)"
                ))
                .await?;
        }
        rescale(manager, true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rescale(manager, false).await?;
        for (table, _) in AMOUNTS.iter().filter(|(t, _)| *t != "users") {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(*table))
                        .drop_column(Currency::Currency)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_currencies_without_two_decimals_are_known() {
        let by_exponent = codes_by_exponent();
        let of = |e: u32| {
            by_exponent
                .iter()
                .find(|(x, _)| *x == e)
                .map(|(_, c)| c.clone())
                .unwrap_or_default()
        };
        assert!(of(0).contains(&"JPY".to_owned()) && of(0).contains(&"KRW".to_owned()));
        assert!(of(3).contains(&"KWD".to_owned()) && of(3).contains(&"BHD".to_owned()));
        assert!(!of(0).contains(&"USD".to_owned()));
    }
}
