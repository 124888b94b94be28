//! Node types returned by more than one domain, declared here so that a domain can return
//! one without importing the domain that defines its fields. (Budget categories list their
//! transactions, and transactions name their category: the two types refer to each other,
//! while the domains may only import downward.)

use crate::foundation::entities::transactions;

/// Money that came in or went out on a day. Its GraphQL fields are defined in
/// `transactions::graphql`.
pub struct Transaction(pub transactions::Model);
