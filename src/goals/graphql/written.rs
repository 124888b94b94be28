//! `savingsGoals` answered as JSON written in one pass (`graphql::written`) when the client
//! selects only stored fields of the goals (the dashboard's shape); `progress`, `milestones`
//! and `contributions` are left to the executor.

use async_graphql::Context;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::foundation::entities::savings_goals::{self as rows, GoalStatus as RowStatus};
use crate::{
    foundation::{error::AppResult, money::Currency, pagination::Paged},
    goals::{
        graphql::{GoalStatus, SavingsGoal},
        service,
    },
    graphql::written::{ConnectionField, JsonOut, Planned, Selection, plan_field_connection},
};

/// A `savingsGoals` selection planned for writing.
pub type Plan = Selection<ConnectionField<GoalField>>;

pub enum GoalField {
    Id,
    Name,
    TargetAmount,
    Currency,
    CurrentAmount,
    TargetDate,
    Status,
    CreatedAt,
    UpdatedAt,
}

/// The plan of the `savingsGoals` field `ctx` resolves, or `None` when the executor must
/// answer.
pub fn plan(ctx: &Context<'_>) -> Option<Plan> {
    plan_field_connection::<SavingsGoal, _>(ctx, plan_goal)
}

fn plan_goal(field: Planned<'_>) -> Option<GoalField> {
    Some(match field.name() {
        "id" => GoalField::Id,
        "name" => GoalField::Name,
        "targetAmount" => GoalField::TargetAmount,
        "currency" => GoalField::Currency,
        "currentAmount" => GoalField::CurrentAmount,
        "targetDate" => GoalField::TargetDate,
        "status" => GoalField::Status,
        "createdAt" => GoalField::CreatedAt,
        "updatedAt" => GoalField::UpdatedAt,
        _ => return None,
    })
}

/// Writes the answer for `goals`, counting them all when the plan asks for `totalCount`.
pub async fn write(
    db: &DatabaseConnection,
    user_id: Uuid,
    status: Option<RowStatus>,
    plan: &Plan,
    goals: Paged<rows::Model>,
) -> AppResult<String> {
    let total = plan.total_count(service::count(db, user_id, status)).await?;
    let mut out = JsonOut::default();
    out.connection(plan, &goals, total, write_goal);
    Ok(out.finish())
}

fn write_goal(out: &mut JsonOut, selection: &Selection<GoalField>, goal: &rows::Model) {
    let currency = Currency::of(&goal.currency);
    out.object(selection, |out, field| match field {
        GoalField::Id => out.id(goal.id),
        GoalField::Name => out.string(&goal.name),
        GoalField::TargetAmount => out.quoted(currency.amount(goal.target_amount)),
        GoalField::Currency => out.string(&goal.currency),
        GoalField::CurrentAmount => out.quoted(currency.amount(goal.current_amount)),
        GoalField::TargetDate => match goal.target_date {
            Some(date) => out.quoted(date),
            None => out.null(),
        },
        GoalField::Status => out.enumeration(GoalStatus::from(goal.status)),
        GoalField::CreatedAt => out.instant(goal.created_at),
        GoalField::UpdatedAt => out.instant(goal.updated_at),
    });
}
