//! The per-request loader registry. The edge creates one for each authenticated request,
//! scoped to the caller: a loader in schema data would share its cache between users.
//! Each domain defines its own loaders (in its `loader.rs`); the registry creates each kind
//! on its first use in a request, so a request pays only for the loaders it uses.
//!
//! Over HTTP a request's batches run inside the request's own task ([`Batches::drive`]):
//! a batch starts once the executor can make no more progress without it, so it holds every
//! key the response can name at that level, with no timer and no task handed to another
//! thread. Subscriptions, whose execution we do not drive, spawn their batches after
//! [`LOADER_DELAY`].

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    future::{Future, poll_fn},
    marker::PhantomData,
    pin::pin,
    sync::{Arc, Mutex, PoisonError},
    task::{Poll, Waker},
    time::Duration,
};

use async_graphql::dataloader::{DataLoader, Loader};
use chrono::NaiveDate;
use futures_util::{StreamExt, future::BoxFuture, stream::FuturesUnordered};
use sea_orm::DatabaseConnection;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::foundation::entities::users;
use crate::foundation::{
    error::{AppError, AppResult},
    ownership::{self, Owned},
    periods,
};

/// How long a spawned loader waits for more keys before it runs its statement. async-graphql's
/// default is 1 ms, paid once per dependent level of a query (budgets, then categories, then
/// their transactions); sibling fields register their keys within microseconds of each other
/// in one poll of the executor, so a tenth of that still gathers them (the statement-count
/// tests would see a split batch).
const LOADER_DELAY: Duration = Duration::from_micros(100);

/// The loader batches a request has queued, run by [`Batches::drive`] in the request's task.
#[derive(Clone, Default)]
pub struct Batches(Arc<Mutex<Queued>>);

#[derive(Default)]
struct Queued {
    batches: Vec<BoxFuture<'static, ()>>,
    /// The driving task, woken when a batch is queued from outside its poll.
    driver: Option<Waker>,
}

impl Batches {
    fn queued(&self) -> std::sync::MutexGuard<'_, Queued> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn queue(&self, batch: BoxFuture<'static, ()>) {
        let mut queued = self.queued();
        queued.batches.push(batch);
        if let Some(driver) = queued.driver.take() {
            driver.wake();
        }
    }

    /// Runs `work` (a request's execution) and the batches its loaders queue, all in the
    /// calling task: whenever `work` waits, the batches it queued meanwhile start, with every
    /// key it registered before waiting. Batches still running when `work` ends are dropped
    /// (nothing awaits them).
    pub async fn drive<F: Future>(&self, work: F) -> F::Output {
        let mut work = pin!(work);
        let mut running = FuturesUnordered::new();
        poll_fn(|cx| {
            // Batches whose statements came back hand their rows to the resolvers waiting in `work`.
            while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {}
            loop {
                // Batches queued while `work` runs are collected below; no wake-up needed.
                self.queued().driver = None;
                if let Poll::Ready(output) = work.as_mut().poll(cx) {
                    return Poll::Ready(output);
                }
                let queued = {
                    let mut queued = self.queued();
                    queued.driver = Some(cx.waker().clone());
                    std::mem::take(&mut queued.batches)
                };
                if queued.is_empty() {
                    return Poll::Pending;
                }
                // `work` waits for these: start their statements now.
                running.extend(queued);
                let mut finished = false;
                while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {
                    finished = true;
                }
                if !finished {
                    return Poll::Pending;
                }
            }
        })
        .await
    }
}

/// How a request's loaders run their batches.
#[derive(Clone)]
enum Runner {
    /// In the request's task, by [`Batches::drive`]: no delay needed.
    Driven(Batches),
    /// On the runtime, after [`LOADER_DELAY`].
    Spawned,
}

impl Runner {
    fn loader<L: Send + Sync + 'static>(&self, inner: L) -> DataLoader<L> {
        match self {
            Runner::Driven(batches) => {
                let batches = batches.clone();
                DataLoader::new(inner, move |batch| batches.queue(batch)).delay(Duration::ZERO)
            }
            Runner::Spawned => DataLoader::new(inner, tokio::spawn).delay(LOADER_DELAY),
        }
    }
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
    runner: Runner,
    /// One `DataLoader<L>` per loader type `L`, keyed by `TypeId::of::<L>()`.
    created: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Loaders {
    /// Loaders whose batches run on the runtime (for executions nobody drives).
    pub fn new(db: DatabaseConnection, user_id: Uuid) -> Self {
        Self::with_runner(db, user_id, Runner::Spawned)
    }

    /// Loaders whose batches run only inside `batches.drive(...)`: the execution using them
    /// must be driven by it, or their loads never finish.
    pub fn driven(db: DatabaseConnection, user_id: Uuid, batches: &Batches) -> Self {
        Self::with_runner(db, user_id, Runner::Driven(batches.clone()))
    }

    fn with_runner(db: DatabaseConnection, user_id: Uuid, runner: Runner) -> Self {
        Loaders {
            scope: Scope { db, user_id },
            caller: OnceCell::new(),
            runner,
            created: Mutex::default(),
        }
    }

    /// This request's loader of type `L`, made by `make` (its tuple-struct constructor, e.g.
    /// `loaders.get(CategorySpent)`) the first time it is asked for.
    pub fn get<L: Send + Sync + 'static>(&self, make: fn(Scope) -> L) -> Arc<DataLoader<L>> {
        let mut created = self.created.lock().unwrap_or_else(PoisonError::into_inner);
        let loader = created
            .entry(TypeId::of::<L>())
            .or_insert_with(|| Arc::new(self.runner.loader(make(self.scope.clone()))));
        match Arc::clone(loader).downcast::<DataLoader<L>>() {
            Ok(loader) => loader,
            // Unreachable: the entry for `L` is only ever a `DataLoader<L>`.
            Err(_) => Arc::new(self.runner.loader(make(self.scope.clone()))),
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
