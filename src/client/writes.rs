//! Typed writes, one method per endpoint, for apply (API reference sections 4 to 9). Bodies are
//! built by the caller as JSON (they may hold secrets, which `Body`'s `Debug` never shows); these
//! methods only know the addresses, methods and the shape of the answers.

use super::paths::{self, artifact, entity, key};
use super::{Body, Client, ClientError};
use crate::wire::designtime::ArtifactKind;
use crate::wire::keystore::hexalias;
use reqwest::Method;
use serde_json::Value;

impl Client {
    /// `POST IntegrationPackages`.
    pub async fn create_package(&self, body: Value) -> Result<(), ClientError> {
        self.send(Method::POST, "IntegrationPackages", Body::Json(body))
            .await
            .map(drop)
    }

    /// `PUT IntegrationPackages('<Id>')` with the descriptive fields.
    pub async fn update_package(&self, id: &str, body: Value) -> Result<(), ClientError> {
        self.send(
            Method::PUT,
            &entity("IntegrationPackages", id),
            Body::Json(body),
        )
        .await
        .map(drop)
    }

    /// `DELETE IntegrationPackages('<Id>')`.
    pub async fn delete_package(&self, id: &str) -> Result<(), ClientError> {
        self.send(
            Method::DELETE,
            &entity("IntegrationPackages", id),
            Body::None,
        )
        .await
        .map(drop)
    }

    /// `POST CopyIntegrationPackage?Id='<Id>'&ImportMode='OVERWRITE_MERGE'`: configure-only content
    /// from SAP's catalogue.
    pub async fn copy_catalogue_package(&self, id: &str) -> Result<(), ClientError> {
        let path = format!(
            "CopyIntegrationPackage?Id={}&ImportMode='OVERWRITE_MERGE'",
            key(id)
        );
        self.send(Method::POST, &path, Body::None).await.map(drop)
    }

    /// `POST <Kind>DesigntimeArtifacts` with `Id`, `Name`, `PackageId`, `ArtifactContent`.
    pub async fn create_artifact(
        &self,
        kind: ArtifactKind,
        body: Value,
    ) -> Result<(), ClientError> {
        self.send(Method::POST, kind.entity_set(), Body::Json(body))
            .await
            .map(drop)
    }

    /// `PUT <Kind>DesigntimeArtifacts(Id='..',Version='active')`.
    pub async fn update_artifact(
        &self,
        kind: ArtifactKind,
        id: &str,
        body: Value,
    ) -> Result<(), ClientError> {
        self.send(Method::PUT, &artifact(kind, id), Body::Json(body))
            .await
            .map(drop)
    }

    /// `DELETE <Kind>DesigntimeArtifacts(Id='..',Version='active')`.
    pub async fn delete_artifact(&self, kind: ArtifactKind, id: &str) -> Result<(), ClientError> {
        self.send(Method::DELETE, &artifact(kind, id), Body::None)
            .await
            .map(drop)
    }

    /// `PUT IntegrationDesigntimeArtifacts(..)/$links/Configurations('<key>')`.
    pub async fn configure(
        &self,
        id: &str,
        parameter: &str,
        value: &str,
        data_type: &str,
    ) -> Result<(), ClientError> {
        let path = format!(
            "{}/$links/Configurations({})",
            artifact(ArtifactKind::IntegrationFlow, id),
            key(parameter)
        );
        let body = serde_json::json!({ "ParameterValue": value, "DataType": data_type });
        self.send(Method::PUT, &path, Body::Json(body))
            .await
            .map(drop)
    }

    /// `POST Deploy<Kind>DesigntimeArtifact?Id='..'&Version='active'`.
    pub async fn deploy(&self, kind: ArtifactKind, id: &str) -> Result<(), ClientError> {
        let function = kind.deploy_function().ok_or_else(|| {
            ClientError::Config(format!(
                "{} artifacts cannot be deployed",
                kind.entity_type()
            ))
        })?;
        let path = format!("{function}?Id={}&Version='active'", key(id));
        self.send(Method::POST, &path, Body::None).await.map(drop)
    }

    /// `GET IntegrationRuntimeArtifacts('<Id>')`; `None` while not deployed.
    pub async fn runtime_artifact(
        &self,
        id: &str,
    ) -> Result<Option<crate::wire::runtime::IntegrationRuntimeArtifact>, ClientError> {
        self.get_optional(&entity("IntegrationRuntimeArtifacts", id))
            .await
    }

    /// The first error text of `ErrorInformation/$value`; `None` while not yet available (`204`).
    pub async fn error_information(&self, id: &str) -> Result<Option<String>, ClientError> {
        let path = format!(
            "{}/ErrorInformation/$value",
            entity("IntegrationRuntimeArtifacts", id)
        );
        let bytes = self.get_bytes(&path).await?;
        if bytes.is_empty() {
            return Ok(None);
        }
        let info: Option<crate::wire::runtime::ErrorInformation> =
            serde_json::from_slice(&bytes).ok();
        Ok(Some(
            match info.and_then(|i| i.parameter.into_iter().next()) {
                Some(text) => text,
                None => String::from_utf8_lossy(&bytes).into_owned(),
            },
        ))
    }

    /// `DELETE IntegrationRuntimeArtifacts('<Id>')`.
    pub async fn undeploy(&self, id: &str) -> Result<(), ClientError> {
        self.send(
            Method::DELETE,
            &entity("IntegrationRuntimeArtifacts", id),
            Body::None,
        )
        .await
        .map(drop)
    }

    /// `POST <Set>` of a security artifact (`UserCredentials`, `OAuth2ClientCredentials`,
    /// `SecureParameters`).
    pub async fn create_security(&self, set: &str, body: Value) -> Result<(), ClientError> {
        self.send(Method::POST, set, Body::Json(body))
            .await
            .map(drop)
    }

    /// `PUT <Set>('<Name>')`: replaces the whole security artifact.
    pub async fn update_security(
        &self,
        set: &str,
        name: &str,
        body: Value,
    ) -> Result<(), ClientError> {
        self.send(Method::PUT, &entity(set, name), Body::Json(body))
            .await
            .map(drop)
    }

    /// `DELETE <Set>('<Name>')`.
    pub async fn delete_entity(&self, set: &str, name: &str) -> Result<(), ClientError> {
        self.send(Method::DELETE, &entity(set, name), Body::None)
            .await
            .map(drop)
    }

    /// `PUT CertificateResources('<Hex>')/$value?fingerprintVerified=true&...&update=<update>`.
    pub async fn import_certificate(
        &self,
        alias: &str,
        pem: Vec<u8>,
        update: bool,
    ) -> Result<(), ClientError> {
        let path = format!(
            "CertificateResources('{}')/$value?fingerprintVerified=true&returnKeystoreEntries=false&update={update}",
            hexalias(alias)
        );
        self.send(
            Method::PUT,
            &path,
            Body::Bytes {
                content_type: "application/pkix-cert".into(),
                bytes: pem,
            },
        )
        .await
        .map(drop)
    }

    /// `DELETE KeystoreEntries('<Hex>')`.
    pub async fn delete_keystore_entry(&self, alias: &str) -> Result<(), ClientError> {
        self.send(
            Method::DELETE,
            &format!("KeystoreEntries('{}')", hexalias(alias)),
            Body::None,
        )
        .await
        .map(drop)
    }

    /// `POST KeyPairResources` with the PKCS#12 (base64) and its password in `body`.
    pub async fn upload_key_pair(&self, body: Value) -> Result<(), ClientError> {
        self.send(Method::POST, "KeyPairResources", Body::Json(body))
            .await
            .map(drop)
    }

    /// `POST CertificateUserMappings` `{"User", "Certificate": <base64 PEM>}`.
    pub async fn map_certificate(&self, body: Value) -> Result<(), ClientError> {
        self.send(Method::POST, "CertificateUserMappings", Body::Json(body))
            .await
            .map(drop)
    }

    /// `POST AccessPolicies` with its references inline.
    pub async fn create_access_policy(&self, body: Value) -> Result<(), ClientError> {
        self.send(Method::POST, "AccessPolicies", Body::Json(body))
            .await
            .map(drop)
    }

    /// `PATCH AccessPolicies(<Id>)` `{"Description"}`.
    pub async fn update_access_policy(
        &self,
        id: &str,
        description: &str,
    ) -> Result<(), ClientError> {
        let body = serde_json::json!({ "Description": description });
        self.send(
            Method::PATCH,
            &format!("AccessPolicies({})", paths::encode(id)),
            Body::Json(body),
        )
        .await
        .map(drop)
    }

    /// `DELETE AccessPolicies(<Id>)`.
    pub async fn delete_access_policy(&self, id: &str) -> Result<(), ClientError> {
        self.send(
            Method::DELETE,
            &format!("AccessPolicies({})", paths::encode(id)),
            Body::None,
        )
        .await
        .map(drop)
    }

    /// `POST ArtifactReferences` bound to policy `policy_id`.
    pub async fn add_artifact_reference(
        &self,
        policy_id: &str,
        mut body: Value,
    ) -> Result<(), ClientError> {
        if let Value::Object(m) = &mut body {
            m.insert(
                "AccessPolicy".into(),
                serde_json::json!({ "Id": policy_id }),
            );
        }
        self.send(Method::POST, "ArtifactReferences", Body::Json(body))
            .await
            .map(drop)
    }

    /// `DELETE ArtifactReferences(<Id>)`.
    pub async fn delete_artifact_reference(&self, id: &str) -> Result<(), ClientError> {
        self.send(
            Method::DELETE,
            &format!("ArtifactReferences({})", paths::encode(id)),
            Body::None,
        )
        .await
        .map(drop)
    }

    /// `POST <Set>` of any other entity (number ranges, Partner Directory entries).
    pub async fn create(&self, set: &str, body: Value) -> Result<(), ClientError> {
        self.send(Method::POST, set, Body::Json(body))
            .await
            .map(drop)
    }

    /// `PUT <path>` of any other entity, `path` built with [`paths`].
    pub async fn replace(&self, path: &str, body: Value) -> Result<(), ClientError> {
        self.send(Method::PUT, path, Body::Json(body))
            .await
            .map(drop)
    }

    /// `DELETE <path>`, `path` built with [`paths`].
    pub async fn delete(&self, path: &str) -> Result<(), ClientError> {
        self.send(Method::DELETE, path, Body::None).await.map(drop)
    }
}
