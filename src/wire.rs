//! The wire types of the integrations API (API.md §3), from which tsify generates the package's
//! TypeScript declarations. Their validation is in [`crate::model`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tsify::Tsify;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(typescript_custom_section)]
const PROVIDER_TS: &str = r#"
/** A provider slug: `^[a-z0-9][a-z0-9_-]{0,63}$`, e.g. `"instagram"`. */
export type Provider = string;
"#;

/// The state of one connected account.
#[derive(Tsify, Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum IntegrationStatus {
    /// The account's token is valid.
    Connected,
    /// The account's token has expired and must be refreshed or reconnected.
    Expired,
    /// The provider reported an error for this account.
    Error,
}

impl IntegrationStatus {
    /// Reads `'connected' | 'expired' | 'error'`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "connected" => Some(Self::Connected),
            "expired" => Some(Self::Expired),
            "error" => Some(Self::Error),
            _ => None,
        }
    }
}

/// One connected account of one provider.
#[derive(Tsify, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationData {
    /// The server's id of the connection, a non-negative safe integer.
    pub id: u32,
    /// The provider slug.
    #[tsify(type = "Provider")]
    pub provider: String,
    /// The account's id at the provider; several accounts of one provider differ by it.
    pub account_id: String,
    /// A display name for the account, e.g. `@user1`.
    pub account_name: String,
    /// Whether the account's token is usable.
    pub status: IntegrationStatus,
    /// When the account's token expires (RFC 3339).
    #[tsify(optional)]
    pub expires_at: Option<String>,
    /// Provider-specific data, e.g. `{ followers: 10000 }`.
    #[tsify(optional, type = "Record<string, unknown>")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// When the connection was made (RFC 3339).
    pub created_at: String,
    /// When the connection last changed (RFC 3339).
    pub updated_at: String,
}

/// Counts over all accounts.
#[derive(Tsify, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationSummary {
    /// All accounts.
    pub total: u32,
    /// Accounts whose status is `connected`.
    pub connected: u32,
    /// Accounts whose status is `expired`.
    pub expired: u32,
    /// Accounts per provider.
    #[tsify(type = "Record<Provider, number>")]
    pub by_provider: BTreeMap<String, u32>,
}

/// The body of `GET /status`.
#[derive(Tsify, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationStatusResponse {
    /// Every connected account, several per provider where the user has several.
    pub integrations: Vec<IntegrationData>,
    /// Counts over `integrations`.
    pub summary: IntegrationSummary,
}

/// An error as the server describes it.
#[derive(Tsify, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[tsify(rename = "APIError")]
pub struct ApiError {
    /// A machine-readable error type, e.g. `"rate_limited"`.
    #[serde(rename = "type")]
    pub type_: String,
    /// A message for developers.
    pub message: String,
    /// A message to show end users.
    pub user_message: String,
    /// The HTTP status the server meant.
    pub status_code: u16,
    /// Whether the server expects a retry to succeed.
    pub retryable: bool,
    /// Anything else the server wants to say.
    #[tsify(optional, type = "Record<string, unknown>")]
    pub details: Option<BTreeMap<String, String>>,
}

/// The envelope some servers wrap every body in; the client unwraps `data`.
#[derive(Tsify, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[tsify(rename = "APIResponse")]
pub struct ApiResponse<T> {
    /// Whether the operation succeeded.
    pub success: bool,
    /// The payload, on success.
    #[tsify(optional)]
    pub data: Option<T>,
    /// The error, on failure.
    #[tsify(optional, type = "APIError")]
    pub error: Option<ApiError>,
    /// The server's correlation id for the request.
    pub correlation_id: String,
    /// When the server answered (RFC 3339).
    pub timestamp: String,
}

/// The body of `POST /connect/{provider}`: where to send the user to authorise a new account.
#[derive(Tsify, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ConnectIntegrationResponse {
    /// The provider's authorisation page, always an absolute `http:`/`https:` URL.
    pub auth_url: String,
    /// The OAuth `state` that ties the callback to this request.
    pub state: String,
    /// When the authorisation link stops working (RFC 3339).
    pub expires_at: String,
}

/// The body of `DELETE /{provider}/{accountId}`.
#[derive(Tsify, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DisconnectIntegrationResponse {
    /// Whether the account was disconnected.
    pub success: bool,
    /// The provider of the account.
    #[tsify(type = "Provider")]
    pub provider: String,
    /// The account that was disconnected.
    pub account_id: String,
    /// A message from the server.
    pub message: String,
}

/// The body of `POST /refresh/{provider}/{accountId}`.
#[derive(Tsify, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RefreshTokenResponse {
    /// Whether the token was refreshed.
    pub success: bool,
    /// The provider of the account.
    #[tsify(type = "Provider")]
    pub provider: String,
    /// The account whose token was refreshed.
    pub account_id: String,
    /// The token's new expiry (RFC 3339).
    pub expires_at: String,
}
