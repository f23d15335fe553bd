//! Typed writes, one method per endpoint, for apply (API reference sections 4 to 9). Callers pass
//! the API's wire types (which may hold secrets, which `Body`'s `Debug` never shows) and entity
//! sets; these methods know the addresses, methods, key syntax and the shape of the answers.

use super::paths::{self, artifact, composite, entity, filter_eq, key};
use super::{Body, Client, ClientError};
use crate::wire::access::{ACCESS_POLICIES, ARTIFACT_REFERENCES, AccessPolicy, ArtifactReference};
use crate::wire::designtime::{ArtifactKind, ArtifactWrite};
use crate::wire::keystore::{KEYSTORE_ENTRIES, KeyPairResource, hexalias};
use crate::wire::number_ranges::{NUMBER_RANGES, NumberRange};
use crate::wire::packages::{INTEGRATION_PACKAGES, PackageWrite};
use crate::wire::partner_directory::{ALTERNATIVE_PARTNERS, hex_key};
use crate::wire::runtime::INTEGRATION_RUNTIME_ARTIFACTS;
use crate::wire::security::{CustomParameter, OAUTH2_CLIENT_CREDENTIALS, OAuth2ClientCredential};
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

impl Client {
    /// A typed body as JSON.
    fn to_json<T: Serialize>(
        &self,
        method: &Method,
        path: &str,
        body: &T,
    ) -> Result<Value, ClientError> {
        serde_json::to_value(body).map_err(|e| ClientError::InvalidRequest {
            tenant: self.name().to_string(),
            request: super::RequestLabel::new(method.clone(), path),
            cause: format!("the body cannot be serialized: {e}"),
        })
    }

    /// `method <path>` with a typed JSON body; the answer is not needed.
    async fn send_json<T: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: &T,
    ) -> Result<(), ClientError> {
        let body = self.to_json(&method, path, body)?;
        self.send(method, path, Body::Json(body)).await.map(drop)
    }

    /// `POST <set>`: creates an entity of `set` (`UserCredentials`, `NumberRanges`, ...).
    pub async fn create_entity<T: Serialize>(
        &self,
        set: &str,
        body: &T,
    ) -> Result<(), ClientError> {
        self.send_json(Method::POST, set, body).await
    }

    /// `PUT <set>('<name>')`: replaces the entity of `set` with the single key `name`.
    pub async fn update_entity<T: Serialize>(
        &self,
        set: &str,
        name: &str,
        body: &T,
    ) -> Result<(), ClientError> {
        self.send_json(Method::PUT, &entity(set, name), body).await
    }

    /// `DELETE <set>('<name>')`.
    pub async fn delete_entity(&self, set: &str, name: &str) -> Result<(), ClientError> {
        self.send(Method::DELETE, &entity(set, name), Body::None)
            .await
            .map(drop)
    }

    /// `PUT <set>(Pid='..',Id='..')`: a Partner Directory parameter.
    pub async fn update_partner_entry<T: Serialize>(
        &self,
        set: &str,
        pid: &str,
        id: &str,
        body: &T,
    ) -> Result<(), ClientError> {
        let path = composite(set, &[("Pid", pid), ("Id", id)]);
        self.send_json(Method::PUT, &path, body).await
    }

    /// `DELETE <set>(Pid='..',Id='..')`.
    pub async fn delete_partner_entry(
        &self,
        set: &str,
        pid: &str,
        id: &str,
    ) -> Result<(), ClientError> {
        let path = composite(set, &[("Pid", pid), ("Id", id)]);
        self.send(Method::DELETE, &path, Body::None).await.map(drop)
    }

    /// `AlternativePartners(Hexagency='..',Hexscheme='..',Hexid='..')`.
    fn alternative_partner(agency: &str, scheme: &str, id: &str) -> String {
        format!(
            "{ALTERNATIVE_PARTNERS}(Hexagency='{}',Hexscheme='{}',Hexid='{}')",
            hex_key(agency),
            hex_key(scheme),
            hex_key(id)
        )
    }

    /// `PUT AlternativePartners(Hexagency=..,Hexscheme=..,Hexid=..)`.
    pub async fn update_alternative_partner<T: Serialize>(
        &self,
        agency: &str,
        scheme: &str,
        id: &str,
        body: &T,
    ) -> Result<(), ClientError> {
        let path = Self::alternative_partner(agency, scheme, id);
        self.send_json(Method::PUT, &path, body).await
    }

    /// `DELETE AlternativePartners(Hexagency=..,Hexscheme=..,Hexid=..)`.
    pub async fn delete_alternative_partner(
        &self,
        agency: &str,
        scheme: &str,
        id: &str,
    ) -> Result<(), ClientError> {
        let path = Self::alternative_partner(agency, scheme, id);
        self.send(Method::DELETE, &path, Body::None).await.map(drop)
    }

    /// `POST IntegrationPackages`.
    pub async fn create_package(&self, body: &PackageWrite) -> Result<(), ClientError> {
        self.send_json(Method::POST, INTEGRATION_PACKAGES, body)
            .await
    }

    /// `PUT IntegrationPackages('<Id>')` with the descriptive fields.
    pub async fn update_package(&self, id: &str, body: &PackageWrite) -> Result<(), ClientError> {
        self.send_json(Method::PUT, &entity(INTEGRATION_PACKAGES, id), body)
            .await
    }

    /// `DELETE IntegrationPackages('<Id>')`.
    pub async fn delete_package(&self, id: &str) -> Result<(), ClientError> {
        self.delete_entity(INTEGRATION_PACKAGES, id).await
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
        body: &ArtifactWrite,
    ) -> Result<(), ClientError> {
        self.send_json(Method::POST, kind.entity_set(), body).await
    }

    /// `PUT <Kind>DesigntimeArtifacts(Id='..',Version='active')`.
    pub async fn update_artifact(
        &self,
        kind: ArtifactKind,
        id: &str,
        body: &ArtifactWrite,
    ) -> Result<(), ClientError> {
        self.send_json(Method::PUT, &artifact(kind, id), body).await
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
        let body = crate::wire::designtime::ConfigurationUpdate {
            parameter_value: value.to_string(),
            data_type: Some(data_type.to_string()),
        };
        self.send_json(Method::PUT, &path, &body).await
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
        self.get_optional(&entity(INTEGRATION_RUNTIME_ARTIFACTS, id))
            .await
    }

    /// The first error text of `ErrorInformation/$value`; `None` while not yet available (`204`).
    pub async fn error_information(&self, id: &str) -> Result<Option<String>, ClientError> {
        let path = format!(
            "{}/ErrorInformation/$value",
            entity(INTEGRATION_RUNTIME_ARTIFACTS, id)
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
        self.delete_entity(INTEGRATION_RUNTIME_ARTIFACTS, id).await
    }

    /// `POST OAuth2ClientCredentials` with its custom parameters inline (they can be set only on
    /// create).
    pub async fn create_oauth2_client_credential(
        &self,
        credential: &OAuth2ClientCredential,
        parameters: &[CustomParameter],
    ) -> Result<(), ClientError> {
        let method = Method::POST;
        let mut body = self.to_json(&method, OAUTH2_CLIENT_CREDENTIALS, credential)?;
        if let Value::Object(m) = &mut body {
            m.insert(
                "CustomParameters".into(),
                serde_json::to_value(parameters).unwrap_or_default(),
            );
        }
        self.send(method, OAUTH2_CLIENT_CREDENTIALS, Body::Json(body))
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
            &format!("{KEYSTORE_ENTRIES}('{}')", hexalias(alias)),
            Body::None,
        )
        .await
        .map(drop)
    }

    /// `POST KeyPairResources` with the PKCS#12 (base64) and its password.
    pub async fn upload_key_pair(&self, body: &KeyPairResource) -> Result<(), ClientError> {
        self.send_json(Method::POST, "KeyPairResources", body).await
    }

    /// `GET NumberRanges('<Name>')`; `None` when the tenant has none.
    pub async fn number_range(&self, name: &str) -> Result<Option<NumberRange>, ClientError> {
        self.get_optional(&entity(NUMBER_RANGES, name)).await
    }

    /// The access policy of `role`, with its references and their ids
    /// (`GET AccessPolicies?$filter=RoleName eq '..'&$expand=ArtifactReferences`).
    pub async fn access_policy(&self, role: &str) -> Result<Option<AccessPolicy>, ClientError> {
        let path = format!(
            "{ACCESS_POLICIES}?{}&$expand=ArtifactReferences",
            filter_eq("RoleName", role)
        );
        Ok(self
            .get_collection::<AccessPolicy>(&path)
            .await?
            .into_iter()
            .next())
    }

    /// `POST AccessPolicies` with its references inline.
    pub async fn create_access_policy(
        &self,
        policy: &AccessPolicy,
        references: &[ArtifactReference],
    ) -> Result<(), ClientError> {
        let method = Method::POST;
        let mut body = self.to_json(&method, ACCESS_POLICIES, policy)?;
        if let Value::Object(m) = &mut body {
            m.insert(
                "ArtifactReferences".into(),
                serde_json::to_value(references).unwrap_or_default(),
            );
        }
        self.send(method, ACCESS_POLICIES, Body::Json(body))
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
            &format!("{ACCESS_POLICIES}({})", paths::encode(id)),
            Body::Json(body),
        )
        .await
        .map(drop)
    }

    /// `DELETE AccessPolicies(<Id>)`.
    pub async fn delete_access_policy(&self, id: &str) -> Result<(), ClientError> {
        self.send(
            Method::DELETE,
            &format!("{ACCESS_POLICIES}({})", paths::encode(id)),
            Body::None,
        )
        .await
        .map(drop)
    }

    /// `POST ArtifactReferences` bound to policy `policy_id`.
    pub async fn add_artifact_reference(
        &self,
        policy_id: &str,
        reference: &ArtifactReference,
    ) -> Result<(), ClientError> {
        let method = Method::POST;
        let mut body = self.to_json(&method, ARTIFACT_REFERENCES, reference)?;
        if let Value::Object(m) = &mut body {
            m.insert(
                "AccessPolicy".into(),
                serde_json::json!({ "Id": policy_id }),
            );
        }
        self.send(method, ARTIFACT_REFERENCES, Body::Json(body))
            .await
            .map(drop)
    }

    /// `DELETE ArtifactReferences(<Id>)`.
    pub async fn delete_artifact_reference(&self, id: &str) -> Result<(), ClientError> {
        self.send(
            Method::DELETE,
            &format!("{ARTIFACT_REFERENCES}({})", paths::encode(id)),
            Body::None,
        )
        .await
        .map(drop)
    }
}
