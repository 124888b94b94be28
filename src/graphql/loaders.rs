//! The per-request loader registry. The edge creates one for each authenticated request,
//! scoped to the caller: a loader in schema data would share its cache between users.
//! Each domain defines its own loaders (in its `loader.rs`); the registry creates each kind
//! on its first use in a request, so a request pays only for the loaders it uses.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    marker::PhantomData,
    sync::{Arc, Mutex, PoisonError},
};

use async_graphql::dataloader::{DataLoader, Loader};
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::foundation::entities::users;
use crate::foundation::{
    error::{AppError, AppResult},
    ownership::{self, Owned},
    periods,
};

/// How long a loader waits for more keys before it runs its statement. async-graphql's
/// default is 1 ms, paid once per dependent level of a query (budgets, then categories, then
/// their transactions) on every request; sibling fields register their keys within
/// microseconds of each other in one poll of the executor, so a tenth of that still gathers
/// them (the statement-count tests would see a split batch).
const LOADER_DELAY: std::time::Duration = std::time::Duration::from_micros(100);

fn new_loader<L: Send + Sync + 'static>(inner: L) -> DataLoader<L> {
    DataLoader::new(inner, tokio::spawn).delay(LOADER_DELAY)
}

/// The caller every loader query is scoped to.
#[derive(Clone)]
pub struct Scope {
    pub db: DatabaseConnection,
    pub user_id: Uuid,
}

pub struct Loaders {
    scope: Scope,
    /// The caller's own row, read at most once per request (time zone, currency).
    caller: OnceCell<users::Model>,
    /// One `DataLoader<L>` per loader type `L`, keyed by `TypeId::of::<L>()`.
    created: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Loaders {
    pub fn new(db: DatabaseConnection, user_id: Uuid) -> Self {
        Loaders {
            scope: Scope { db, user_id },
            caller: OnceCell::new(),
            created: Mutex::default(),
        }
    }

    /// This request's loader of type `L`, made by `make` (its tuple-struct constructor, e.g.
    /// `loaders.get(CategorySpent)`) the first time it is asked for.
    pub fn get<L: Send + Sync + 'static>(&self, make: fn(Scope) -> L) -> Arc<DataLoader<L>> {
        let mut created = self.created.lock().unwrap_or_else(PoisonError::into_inner);
        let loader = created
            .entry(TypeId::of::<L>())
            .or_insert_with(|| Arc::new(new_loader(make(self.scope.clone()))));
        match Arc::clone(loader).downcast::<DataLoader<L>>() {
            Ok(loader) => loader,
            // Unreachable: the entry for `L` is only ever a `DataLoader<L>`.
            Err(_) => Arc::new(new_loader(make(self.scope.clone()))),
        }
    }

    /// The caller's account, loaded on first use.
    pub async fn caller(&self) -> AppResult<&users::Model> {
        self.caller
            .get_or_try_init(|| ownership::account(&self.scope.db, self.scope.user_id))
            .await
    }

    /// Today in the caller's time zone.
    pub async fn today(&self) -> AppResult<NaiveDate> {
        Ok(periods::today_in(&self.caller().await?.timezone))
    }
}

/// The caller's rows of `E` by id: one statement for every id a request asks for.
pub struct ById<E>(Scope, PhantomData<fn() -> E>);

impl<E> ById<E> {
    /// For `loaders.get(ById::<E>::new)`.
    pub fn new(scope: Scope) -> Self {
        ById(scope, PhantomData)
    }
}

impl<E> Loader<Uuid> for ById<E>
where
    E: Owned + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = ownership::by_ids::<E>(&self.0.db, self.0.user_id, keys).await?;
        Ok(rows.into_iter().map(|row| (E::id_of(&row), row)).collect())
    }
}
