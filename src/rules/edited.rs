//! Which fields of a transaction a person set by hand. Rules leave those alone (unless
//! `applyRules` is told to overwrite them), and `revertImport` keeps an imported transaction
//! someone has edited. Stored as a comma-separated list in `transactions.edited_fields`.

use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Amount,
    Date,
    Description,
    Payee,
    Category,
    Account,
    Type,
    Cleared,
}

impl Field {
    const ALL: [Field; 8] = [
        Field::Amount,
        Field::Date,
        Field::Description,
        Field::Payee,
        Field::Category,
        Field::Account,
        Field::Type,
        Field::Cleared,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Field::Amount => "amount",
            Field::Date => "date",
            Field::Description => "description",
            Field::Payee => "payee",
            Field::Category => "category",
            Field::Account => "account",
            Field::Type => "type",
            Field::Cleared => "cleared",
        }
    }
}

/// The set as read from and written to the column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edited(BTreeSet<Field>);

impl Edited {
    pub fn parse(stored: &str) -> Edited {
        Edited(
            stored
                .split(',')
                .filter_map(|name| Field::ALL.into_iter().find(|f| f.as_str() == name.trim()))
                .collect(),
        )
    }

    pub fn with(mut self, fields: impl IntoIterator<Item = Field>) -> Edited {
        self.0.extend(fields);
        self
    }

    pub fn contains(&self, field: Field) -> bool {
        self.0.contains(&field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn stored(&self) -> String {
        self.0.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_column_round_trips_in_a_fixed_order_and_ignores_unknown_names() {
        let edited = Edited::parse("payee, bogus,category").with([Field::Amount, Field::Payee]);
        assert_eq!(edited.stored(), "amount,payee,category");
        assert_eq!(Edited::parse(&edited.stored()), edited);
        assert!(edited.contains(Field::Category) && !edited.contains(Field::Description));
        assert!(Edited::parse("").is_empty());
    }
}
