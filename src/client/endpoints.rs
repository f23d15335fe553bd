//! The typed reads an export needs, one thin method per endpoint of the API reference, each
//! returning the `wire` types. Paths are built with [`super::paths`]; everything else (auth,
//! paging, retries) is below.

use super::error::ClientError;
use super::{Client, paths};
use crate::wire::access::{AccessPolicy, CertificateUserMapping};
use crate::wire::designtime::{ArtifactKind, Configuration, DesigntimeArtifact};
use crate::wire::keystore::KeystoreEntry;
use crate::wire::number_ranges::NumberRange;
use crate::wire::packages::IntegrationPackage;
use crate::wire::partner_directory::{
    AlternativePartner, AuthorizedUser, BinaryParameter, Partner, StringParameter,
    UserCredentialParameter,
};
use crate::wire::runtime::IntegrationRuntimeArtifact;
use crate::wire::security::{OAuth2ClientCredential, SecureParameter, UserCredential};

impl Client {
    /// `GET IntegrationPackages` (reference 4.1).
    pub async fn packages(&self) -> Result<Vec<IntegrationPackage>, ClientError> {
        self.get_collection("IntegrationPackages").await
    }

    /// `GET IntegrationPackages('<id>')/<Kind>DesigntimeArtifacts` (reference 5.2).
    pub async fn package_artifacts(
        &self,
        package_id: &str,
        kind: ArtifactKind,
    ) -> Result<Vec<DesigntimeArtifact>, ClientError> {
        let path = format!(
            "{}/{}",
            paths::entity("IntegrationPackages", package_id),
            kind.entity_set()
        );
        self.get_collection(&path).await
    }

    /// `GET <Kind>DesigntimeArtifacts(Id='<id>',Version='active')/$value`: the artifact zip.
    pub async fn download_artifact(
        &self,
        kind: ArtifactKind,
        id: &str,
    ) -> Result<Vec<u8>, ClientError> {
        self.get_bytes(&paths::artifact_content(kind, id)).await
    }

    /// `GET IntegrationDesigntimeArtifacts(Id='<id>',Version='active')/Configurations`
    /// (reference 5.4).
    pub async fn configurations(&self, id: &str) -> Result<Vec<Configuration>, ClientError> {
        let path = format!(
            "{}/Configurations",
            paths::artifact(ArtifactKind::IntegrationFlow, id)
        );
        self.get_collection(&path).await
    }

    /// `GET IntegrationRuntimeArtifacts` (reference 6.1).
    pub async fn runtime_artifacts(&self) -> Result<Vec<IntegrationRuntimeArtifact>, ClientError> {
        self.get_collection("IntegrationRuntimeArtifacts").await
    }

    /// `GET UserCredentials` (reference 7.1).
    pub async fn user_credentials(&self) -> Result<Vec<UserCredential>, ClientError> {
        self.get_collection("UserCredentials").await
    }

    /// `GET OAuth2ClientCredentials?$expand=CustomParameters` (reference 7.2).
    pub async fn oauth2_client_credentials(
        &self,
    ) -> Result<Vec<OAuth2ClientCredential>, ClientError> {
        self.get_collection("OAuth2ClientCredentials?$expand=CustomParameters")
            .await
    }

    /// `GET SecureParameters` (reference 7.3).
    pub async fn secure_parameters(&self) -> Result<Vec<SecureParameter>, ClientError> {
        self.get_collection("SecureParameters").await
    }

    /// `GET KeystoreEntries?keystoreName=system` (reference 7.4).
    pub async fn keystore_entries(&self) -> Result<Vec<KeystoreEntry>, ClientError> {
        self.get_collection("KeystoreEntries?keystoreName=system")
            .await
    }

    /// `GET KeystoreEntries('<hexalias>')/Certificate/$value?keystoreName=system`: the PEM.
    pub async fn certificate_pem(&self, hexalias: &str) -> Result<Vec<u8>, ClientError> {
        let path = format!(
            "{}/Certificate/$value?keystoreName=system",
            paths::entity("KeystoreEntries", hexalias)
        );
        self.get_bytes(&path).await
    }

    /// `GET CertificateUserMappings` (reference 7.5, Neo only); `None` where the set does not
    /// exist: on a Cloud Foundry tenant without a request, on a tenant of unknown platform when
    /// it answers `404`.
    pub async fn certificate_user_mappings(
        &self,
    ) -> Result<Option<Vec<CertificateUserMapping>>, ClientError> {
        if self.platform() == Some(super::Platform::Cf) {
            return Ok(None);
        }
        match self.get_collection("CertificateUserMappings").await {
            Ok(mappings) => Ok(Some(mappings)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET AccessPolicies?$expand=ArtifactReferences` (reference 7.6).
    pub async fn access_policies(&self) -> Result<Vec<AccessPolicy>, ClientError> {
        self.get_collection("AccessPolicies?$expand=ArtifactReferences")
            .await
    }

    /// `GET NumberRanges` (reference 9.1).
    pub async fn number_ranges(&self) -> Result<Vec<NumberRange>, ClientError> {
        self.get_collection("NumberRanges").await
    }

    /// `GET StringParameters` (reference 8.2).
    pub async fn string_parameters(&self) -> Result<Vec<StringParameter>, ClientError> {
        self.get_collection("StringParameters").await
    }

    /// `GET BinaryParameters` (reference 8.2).
    pub async fn binary_parameters(&self) -> Result<Vec<BinaryParameter>, ClientError> {
        self.get_collection("BinaryParameters").await
    }

    /// `GET Partners` (reference 8.1).
    pub async fn partners(&self) -> Result<Vec<Partner>, ClientError> {
        self.get_collection("Partners").await
    }

    /// `GET UserCredentialParameters?$filter=Pid eq '<pid>'` (the filter is mandatory,
    /// reference 8.2).
    pub async fn user_credential_parameters(
        &self,
        pid: &str,
    ) -> Result<Vec<UserCredentialParameter>, ClientError> {
        let path = format!("UserCredentialParameters?{}", paths::filter_eq("Pid", pid));
        self.get_collection(&path).await
    }

    /// `GET AlternativePartners` (reference 8.3).
    pub async fn alternative_partners(&self) -> Result<Vec<AlternativePartner>, ClientError> {
        self.get_collection("AlternativePartners").await
    }

    /// `GET AuthorizedUsers` (reference 8.4).
    pub async fn authorized_users(&self) -> Result<Vec<AuthorizedUser>, ClientError> {
        self.get_collection("AuthorizedUsers").await
    }
}
