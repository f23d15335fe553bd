//! The tenant client: one method per endpoint over the OData API, with auth, CSRF, paging,
//! retries and a concurrency limit per tenant. (Being written.)
