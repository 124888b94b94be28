//! Notification preferences: for each kind, whether it shows in the app, goes by email and
//! goes to the user's webhooks. Defaults: everything in the app and to webhooks; budget alerts
//! and disabled webhooks also by email; the weekly summary only when asked for. Only a user's changes are stored.

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::OnConflict};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::foundation::entities::notification_settings::{self, Column, Entity as Settings};
use crate::{
    foundation::{
        db,
        error::{AppError, AppResult},
    },
    notifications::service::Kind,
};

/// The channels of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preference {
    pub kind: Kind,
    pub in_app: bool,
    pub email: bool,
    pub webhook: bool,
}

/// A change to one kind's channels; `None` keeps a channel.
#[derive(Debug, Clone, Copy)]
pub struct Change {
    pub kind: Kind,
    pub in_app: Option<bool>,
    pub email: Option<bool>,
    pub webhook: Option<bool>,
}

/// What is stored for one kind: only the channels a user set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Choice {
    #[serde(skip_serializing_if = "Option::is_none")]
    in_app: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook: Option<bool>,
}

pub fn default_for(kind: Kind) -> Preference {
    let summary = kind == Kind::WeeklySummary;
    Preference {
        kind,
        in_app: !summary,
        // A budget alert, and a webhook that stopped, are worth an email; the rest are not.
        email: matches!(kind, Kind::BudgetAlert | Kind::WebhookDisabled),
        webhook: !summary,
    }
}

/// A user's preferences for every kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences(Vec<Preference>);

impl Preferences {
    pub fn of(&self, kind: Kind) -> Preference {
        self.0
            .iter()
            .copied()
            .find(|p| p.kind == kind)
            .unwrap_or_else(|| default_for(kind))
    }

    pub fn all(&self) -> &[Preference] {
        &self.0
    }

    fn from_stored(stored: &BTreeMap<String, Choice>) -> Preferences {
        Preferences(
            Kind::ALL
                .into_iter()
                .map(|kind| {
                    let default = default_for(kind);
                    let choice = stored.get(kind.as_str()).copied().unwrap_or_default();
                    Preference {
                        kind,
                        in_app: choice.in_app.unwrap_or(default.in_app),
                        email: choice.email.unwrap_or(default.email),
                        webhook: choice.webhook.unwrap_or(default.webhook),
                    }
                })
                .collect(),
        )
    }
}

async fn stored(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<BTreeMap<String, Choice>> {
    let Some(row) = Settings::find_by_id(user_id).one(db).await? else {
        return Ok(BTreeMap::new());
    };
    serde_json::from_str(&row.settings)
        .map_err(|e| AppError::internal(format!("notification settings of {user_id}: {e}")))
}

/// The caller's preferences (one statement).
pub async fn load(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Preferences> {
    Ok(Preferences::from_stored(&stored(db, user_id).await?))
}

/// Applies `changes` and returns the preferences as they now are.
pub async fn update(db: &impl ConnectionTrait, user_id: Uuid, changes: &[Change]) -> AppResult<Preferences> {
    let mut choices = stored(db, user_id).await?;
    for change in changes {
        let choice = choices.entry(change.kind.as_str().to_owned()).or_default();
        choice.in_app = change.in_app.or(choice.in_app);
        choice.email = change.email.or(choice.email);
        choice.webhook = change.webhook.or(choice.webhook);
    }
    let settings = serde_json::to_string(&choices).map_err(AppError::internal)?;
    Settings::insert(notification_settings::ActiveModel {
        user_id: Set(user_id),
        settings: Set(settings),
        updated_at: Set(db::now()),
    })
    .on_conflict(
        OnConflict::column(Column::UserId)
            .update_columns([Column::Settings, Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(Preferences::from_stored(&choices))
}

/// The users who want `kind` somewhere (an opt-in kind such as the weekly summary is only
/// wanted by users who stored a choice for it).
pub async fn users_wanting(db: &impl ConnectionTrait, kind: Kind) -> AppResult<Vec<Uuid>> {
    let rows = Settings::find()
        .filter(Column::Settings.like(format!("%\"{}\"%", kind.as_str())))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let choices: BTreeMap<String, Choice> = serde_json::from_str(&row.settings).ok()?;
            let preference = Preferences::from_stored(&choices).of(kind);
            (preference.in_app || preference.email).then_some(row.user_id)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_choice_overrides_only_its_channel() {
        let mut stored = BTreeMap::new();
        stored.insert(
            "BUDGET_ALERT".to_owned(),
            Choice {
                email: Some(false),
                ..Choice::default()
            },
        );
        let prefs = Preferences::from_stored(&stored);
        let alert = prefs.of(Kind::BudgetAlert);
        assert_eq!((alert.in_app, alert.email, alert.webhook), (true, false, true));
        assert_eq!(prefs.of(Kind::GoalMilestone), default_for(Kind::GoalMilestone));
        let summary = prefs.of(Kind::WeeklySummary);
        assert!(!summary.in_app && !summary.email, "the weekly summary is opt-in");
    }
}
