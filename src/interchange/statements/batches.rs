//! Import batches: reading them, and taking one back.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use uuid::Uuid;

use crate::foundation::entities::import_batches::{self, Column as BatchColumn, Entity as Batches};
use crate::foundation::entities::transactions::{self, Column, Entity as Transactions};
use crate::{
    foundation::{
        db,
        error::{AppError, AppResult},
        ownership,
    },
    rules::edited::Edited,
};

/// The most batches one listing returns.
pub const MAX_LISTED: u64 = 200;

/// The account's batch of this file that has not been reverted.
pub async fn live_with_hash(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    account_id: Uuid,
    file_hash: &str,
) -> AppResult<Option<import_batches::Model>> {
    Ok(ownership::owned::<Batches>(user_id)
        .filter(BatchColumn::AccountId.eq(account_id))
        .filter(BatchColumn::FileHash.eq(file_hash))
        .filter(BatchColumn::RevertedAt.is_null())
        .one(db)
        .await?)
}

/// The caller's batches, newest first, of one account or all.
pub async fn list(
    db: &DatabaseConnection,
    user_id: Uuid,
    account_id: Option<Uuid>,
) -> AppResult<Vec<import_batches::Model>> {
    let mut select = ownership::owned::<Batches>(user_id);
    if let Some(account_id) = account_id {
        select = select.filter(BatchColumn::AccountId.eq(account_id));
    }
    Ok(select.order_by_desc(BatchColumn::Id).limit(MAX_LISTED).all(db).await?)
}

pub async fn find(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> AppResult<Option<import_batches::Model>> {
    ownership::find::<Batches>(db, user_id, id).await
}

/// What `revert` did.
pub struct Reverted {
    pub batch: import_batches::Model,
    /// Transactions the batch created, now deleted.
    pub removed: usize,
    /// Transactions the batch created that someone has edited since: kept.
    pub kept: Vec<transactions::Model>,
    /// Hand-entered transactions the batch had matched, now unlinked (and otherwise untouched).
    pub unlinked: usize,
}

/// Takes a batch back in one database transaction: deletes the transactions it created that
/// nobody has edited, unlinks the hand-entered ones it matched, and marks it reverted (so the
/// same file can be imported again).
pub async fn revert(db: &DatabaseConnection, user_id: Uuid, id: Uuid) -> AppResult<Reverted> {
    let txn = db.begin().await?;
    let batch = ownership::get::<Batches>(&txn, user_id, id).await?;
    if batch.reverted_at.is_some() {
        return Err(AppError::invalid("id", "this import was already reverted"));
    }
    let created = ownership::owned::<Transactions>(user_id)
        .filter(Column::ImportBatchId.eq(id))
        .order_by_asc(Column::Id)
        .all(&txn)
        .await?;
    let (kept, removable): (Vec<_>, Vec<_>) = created
        .into_iter()
        .partition(|row| !Edited::parse(&row.edited_fields).is_empty());
    let removable: Vec<Uuid> = removable.iter().map(|row| row.id).collect();
    for chunk in removable.chunks(500) {
        // What they had matched of a schedule is open again, as when one is deleted by hand.
        crate::schedules::occurrences::unmatch_all(&txn, user_id, chunk).await?;
        Transactions::delete_many()
            .filter(Column::UserId.eq(user_id))
            .filter(Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    let unlinked = Transactions::update_many()
        .set(transactions::ActiveModel {
            import_id: Set(None),
            matched_batch_id: Set(None),
            ..Default::default()
        })
        .filter(Column::UserId.eq(user_id))
        .filter(Column::MatchedBatchId.eq(id))
        .exec(&txn)
        .await?
        .rows_affected;
    let batch = Batches::update(import_batches::ActiveModel {
        id: Set(batch.id),
        reverted_at: Set(Some(db::now())),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    txn.commit().await?;
    Ok(Reverted {
        batch,
        removed: removable.len(),
        kept,
        unlinked: usize::try_from(unlinked).unwrap_or(usize::MAX),
    })
}
