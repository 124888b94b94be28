//! Delivery of events to subscribers: a broadcast channel per connected user in this
//! process, and, when `REDIS_URL` is set, Redis pub/sub between instances, so an event raised
//! on one instance reaches a subscriber connected to another.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use futures_util::{Stream, StreamExt, stream};
use serde::{Deserialize, Serialize};
use tokio::{sync::broadcast, task::JoinHandle};
use uuid::Uuid;

use super::Event;
use crate::foundation::config::Config;

/// Events a slow subscriber may fall behind by before it skips (and a warning is logged).
const BACKLOG: usize = 256;
const RECONNECT_MAX: Duration = Duration::from_secs(30);

/// One event and whose it is, as it travels through Redis.
#[derive(Serialize, Deserialize)]
struct Envelope {
    user_id: Uuid,
    event: Event,
}

/// Cheap to clone; the Redis listener stops when the last clone is dropped.
#[derive(Clone)]
pub struct EventBus(Arc<Inner>);

struct Inner {
    local: Arc<Local>,
    redis: Option<RedisLink>,
    /// Rung when a write on this instance queued webhook deliveries, so the job runner sends
    /// them at once rather than at its next poll.
    webhooks_queued: tokio::sync::Notify,
}

struct RedisLink {
    publisher: redis::aio::ConnectionManager,
    channel: String,
    listener: JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(redis) = &self.redis {
            redis.listener.abort();
        }
    }
}

impl EventBus {
    /// Delivery within this process only.
    pub fn in_process() -> Self {
        EventBus(Arc::new(Inner {
            local: Arc::default(),
            redis: None,
            webhooks_queued: tokio::sync::Notify::new(),
        }))
    }

    /// In process, or through Redis when `REDIS_URL` is set (failing start-up if it is
    /// unreachable). The Redis subscription is in place when this returns.
    pub async fn from_config(config: &Config) -> Result<Self, redis::RedisError> {
        let Some(url) = &config.redis_url else {
            return Ok(Self::in_process());
        };
        let client = redis::Client::open(secrecy::ExposeSecret::expose_secret(url))?;
        let publisher = redis::aio::ConnectionManager::new(client.clone()).await?;
        let channel = format!("{}events", config.redis_prefix);
        let pubsub = subscribed(&client, &channel).await?;
        let local = Arc::<Local>::default();
        let listener = tokio::spawn(listen(client, channel.clone(), pubsub, Arc::clone(&local)));
        Ok(EventBus(Arc::new(Inner {
            local,
            redis: Some(RedisLink {
                publisher,
                channel,
                listener,
            }),
            webhooks_queued: tokio::sync::Notify::new(),
        })))
    }

    /// Sends `events` to `user_id`'s subscribers wherever they are connected. Never fails the
    /// caller: the write that raised them has committed already.
    pub async fn publish(&self, user_id: Uuid, events: impl IntoIterator<Item = Event>) {
        for event in events {
            metrics::counter!("events_published_total", "event" => event.name()).increment(1);
            let Some(redis) = &self.0.redis else {
                self.0.local.deliver(user_id, event);
                continue;
            };
            let envelope = Envelope { user_id, event };
            let sent = match serde_json::to_string(&envelope) {
                Ok(payload) => redis::cmd("PUBLISH")
                    .arg(&redis.channel)
                    .arg(payload)
                    .query_async::<i64>(&mut redis.publisher.clone())
                    .await
                    .map_err(|err| err.to_string()),
                Err(err) => Err(err.to_string()),
            };
            if let Err(error) = sent {
                // Subscribers on this instance still get it; those on others miss it.
                tracing::warn!(%user_id, %error, "publishing an event to Redis failed; delivered locally only");
                self.0.local.deliver(user_id, envelope.event);
            }
        }
    }

    /// Tells this instance's job runner that webhook deliveries are waiting.
    pub fn webhooks_queued(&self) {
        self.0.webhooks_queued.notify_one();
    }

    /// Completes when `webhooks_queued` was called (once for any number of calls meanwhile).
    pub async fn webhooks_waiting(&self) {
        self.0.webhooks_queued.notified().await;
    }

    /// `user_id`'s events from now on, for as long as the stream is held.
    pub fn subscribe(&self, user_id: Uuid) -> impl Stream<Item = Arc<Event>> + Send + use<> {
        let feed = Feed {
            receiver: self.0.local.receiver(user_id),
            local: Arc::clone(&self.0.local),
            user_id,
        };
        stream::unfold(feed, |mut feed| async move {
            loop {
                match feed.receiver.recv().await {
                    Ok(event) => return Some((event, feed)),
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        metrics::counter!("events_dropped_total").increment(skipped);
                        tracing::warn!(user_id = %feed.user_id, skipped, "a slow subscriber skipped events");
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
    }
}

/// A channel per user with subscribers on this instance; users without one cost nothing.
#[derive(Default)]
struct Local {
    channels: Mutex<HashMap<Uuid, broadcast::Sender<Arc<Event>>>>,
}

impl Local {
    fn deliver(&self, user_id: Uuid, event: Event) {
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = channels.get(&user_id)
            && sender.send(Arc::new(event)).is_err()
        {
            channels.remove(&user_id);
        }
    }

    fn receiver(&self, user_id: Uuid) -> broadcast::Receiver<Arc<Event>> {
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        channels
            .entry(user_id)
            .or_insert_with(|| broadcast::channel(BACKLOG).0)
            .subscribe()
    }

    /// Forgets a user's channel when the subscriber being dropped (its receiver still counted)
    /// was the last.
    fn release(&self, user_id: Uuid) {
        let mut channels = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
        if channels
            .get(&user_id)
            .is_some_and(|sender| sender.receiver_count() <= 1)
        {
            channels.remove(&user_id);
        }
    }
}

/// One subscription's receiver; dropping it releases the user's channel if it was the last.
struct Feed {
    receiver: broadcast::Receiver<Arc<Event>>,
    local: Arc<Local>,
    user_id: Uuid,
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.local.release(self.user_id);
    }
}

async fn subscribed(client: &redis::Client, channel: &str) -> redis::RedisResult<redis::aio::PubSub> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    Ok(pubsub)
}

/// Forwards Redis messages to this instance's subscribers; reconnects with backoff when the
/// connection drops (events published meanwhile are missed, as pub/sub keeps nothing).
async fn listen(client: redis::Client, channel: String, mut pubsub: redis::aio::PubSub, local: Arc<Local>) {
    loop {
        let mut messages = pubsub.into_on_message();
        while let Some(message) = messages.next().await {
            match serde_json::from_slice::<Envelope>(message.get_payload_bytes()) {
                Ok(Envelope { user_id, event }) => local.deliver(user_id, event),
                Err(error) => tracing::warn!(%error, "ignoring an unreadable event from Redis"),
            }
        }
        tracing::warn!("lost the Redis event subscription; reconnecting");
        let mut delay = Duration::from_millis(250);
        pubsub = loop {
            tokio::time::sleep(delay).await;
            match subscribed(&client, &channel).await {
                Ok(pubsub) => break pubsub,
                Err(error) => {
                    tracing::warn!(%error, "Redis event subscription: reconnect failed");
                    delay = (delay * 2).min(RECONNECT_MAX);
                }
            }
        };
        tracing::info!("Redis event subscription restored");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{ChangeKind, TransactionChange};

    fn change() -> Event {
        TransactionChange::event(ChangeKind::Deleted, Uuid::now_v7(), None)
    }

    #[tokio::test]
    async fn a_user_receives_only_their_own_events() {
        let bus = EventBus::in_process();
        let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let mut alice_feed = Box::pin(bus.subscribe(alice));
        let mut bob_feed = Box::pin(bus.subscribe(bob));
        bus.publish(bob, [change()]).await;
        bus.publish(alice, [change(), change()]).await;
        for _ in 0..2 {
            assert!(alice_feed.next().await.is_some());
        }
        assert!(bob_feed.next().await.is_some());
        let nothing_more = tokio::time::timeout(Duration::from_millis(50), bob_feed.next()).await;
        assert!(nothing_more.is_err(), "bob got alice's event");
    }

    #[tokio::test]
    async fn a_channel_lives_only_while_someone_listens() {
        let bus = EventBus::in_process();
        let user = Uuid::now_v7();
        let first = bus.subscribe(user);
        let second = bus.subscribe(user);
        assert_eq!(bus.0.local.channels.lock().map(|c| c.len()).unwrap_or_default(), 1);
        drop(first);
        assert_eq!(bus.0.local.channels.lock().map(|c| c.len()).unwrap_or_default(), 1);
        drop(second);
        assert_eq!(bus.0.local.channels.lock().map(|c| c.len()).unwrap_or_default(), 0);
        // Publishing to nobody is a no-op.
        bus.publish(user, [change()]).await;
        assert_eq!(bus.0.local.channels.lock().map(|c| c.len()).unwrap_or_default(), 0);
    }
}
