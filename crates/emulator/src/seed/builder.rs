//! A small API for writing seeds: fixed timestamps, deployed artifacts that are already
//! `STARTED`, and security material with its secrets.

use crate::state::{
    AccessPolicy, AlternativePartner, Artifact, Audit, AuthorizedUser, BinaryParam,
    CertificateMapping, Deployment, IdGenerator, KeyEntry, LiveArtifact, OAuth2Client, StoredFile,
    StringParam, Tenant, UserCredentialParam,
};
use crate::x509;
use cpi_gitops_wire::Secret;
use cpi_gitops_wire::access::ArtifactReference;
use cpi_gitops_wire::artifact::zip::Entry;
use cpi_gitops_wire::designtime::ArtifactKind;
use cpi_gitops_wire::number_ranges::NumberRange;
use cpi_gitops_wire::odata::date;
use cpi_gitops_wire::packages::{IntegrationPackage, MODE_EDIT_ALLOWED};
use cpi_gitops_wire::runtime::status;
use cpi_gitops_wire::security::{
    CustomParameter, OAuth2ClientCredential, SecureParameter, SecurityArtifactDescriptor,
    UserCredential,
};

/// 2025-01-01T00:00:00Z: seeds date everything from here, one minute per object.
const EPOCH: i64 = 1_735_689_600_000;
/// The user seeds record as creator.
pub const SEED_USER: &str = "S0012345678";

/// Accumulates a seeded tenant.
pub struct Builder {
    tenant: Tenant,
    tick: i64,
}

impl Builder {
    /// An empty tenant whose generated ids follow `id_seed`.
    pub fn new(id_seed: u64) -> Self {
        Builder {
            tenant: Tenant {
                ids: IdGenerator::new(id_seed),
                ..Default::default()
            },
            tick: 0,
        }
    }

    /// The next seed timestamp.
    pub fn now(&mut self) -> i64 {
        self.tick += 1;
        EPOCH + self.tick * 60_000
    }

    /// Adds a package; `fill` sets its descriptive fields.
    pub fn package(
        &mut self,
        id: &str,
        name: &str,
        short_text: &str,
        fill: impl FnOnce(&mut IntegrationPackage),
    ) {
        let now = self.now();
        let mut p = IntegrationPackage {
            id: id.into(),
            name: name.into(),
            short_text: Some(short_text.into()),
            description: Some(String::new()),
            version: Some("1.0.0".into()),
            vendor: Some(String::new()),
            mode: Some(MODE_EDIT_ALLOWED.into()),
            partner_content: Some(false),
            update_available: Some(false),
            supported_platform: Some("SAP Cloud Integration".into()),
            products: Some("[]".into()),
            keywords: Some("[]".into()),
            countries: Some("[]".into()),
            industries: Some("[]".into()),
            line_of_business: Some("[]".into()),
            resource_id: Some(format!("{:032x}", u128::from(self.tenant.ids.next_u64()))),
            created_by: Some(SEED_USER.into()),
            modified_by: Some(SEED_USER.into()),
            creation_date: Some(now.to_string()),
            modified_date: Some(now.to_string()),
        };
        fill(&mut p);
        self.tenant.packages.insert(id.into(), p);
    }

    /// Adds an artifact with its files; returns it for further settings (description, ...).
    pub fn artifact(
        &mut self,
        kind: ArtifactKind,
        package: &str,
        id: &str,
        name: &str,
        version: &str,
        files: Vec<Entry>,
    ) -> &mut Artifact {
        let now = self.now();
        let artifact = Artifact {
            id: id.into(),
            kind,
            package_id: package.into(),
            name: name.into(),
            description: String::new(),
            version: version.into(),
            draft: false,
            files: files.into_iter().map(StoredFile::from).collect(),
            configured: Default::default(),
            sender: String::new(),
            receiver: String::new(),
            created_by: SEED_USER.into(),
            created_at: now,
            modified_by: SEED_USER.into(),
            modified_at: now,
        };
        match self.tenant.artifacts.entry(id.to_string()) {
            std::collections::btree_map::Entry::Occupied(mut o) => {
                o.insert(artifact);
                o.into_mut()
            }
            std::collections::btree_map::Entry::Vacant(v) => v.insert(artifact),
        }
    }

    /// Sets a configured value (as if done through the Configurations API).
    pub fn configure(&mut self, id: &str, key: &str, value: &str) {
        if let Some(a) = self.tenant.artifacts.get_mut(id) {
            a.configured.insert(key.into(), value.into());
        }
    }

    /// Sets sender and receiver system names of an integration flow.
    pub fn systems(&mut self, id: &str, sender: &str, receiver: &str) {
        if let Some(a) = self.tenant.artifacts.get_mut(id) {
            a.sender = sender.into();
            a.receiver = receiver.into();
        }
    }

    /// Marks an artifact as deployed and `STARTED` at its current version.
    pub fn deploy(&mut self, id: &str) {
        let now = self.now();
        let Some(a) = self.tenant.artifacts.get(id) else {
            return;
        };
        let live = LiveArtifact {
            kind: a.kind,
            name: a.name.clone(),
            version: a.version.clone(),
            deployed_by: SEED_USER.into(),
            deployed_on: now,
            status: status::STARTED.into(),
            error: None,
            error_reads: 0,
        };
        self.tenant.deployments.insert(
            id.into(),
            Deployment {
                live: Some(live),
                transition: None,
            },
        );
    }

    fn descriptor(&mut self, kind: &str) -> Option<SecurityArtifactDescriptor> {
        let now = self.now();
        Some(SecurityArtifactDescriptor {
            kind: Some(kind.into()),
            deployed_by: Some(SEED_USER.into()),
            deployed_on: Some(date(now)),
            status: Some("DEPLOYED".into()),
        })
    }

    /// Adds a user credential.
    pub fn user_credential(
        &mut self,
        name: &str,
        kind: &str,
        user: &str,
        password: &str,
        company_id: Option<&str>,
        description: &str,
    ) {
        let d = self.descriptor("BUNDLE");
        self.tenant.user_credentials.insert(
            name.into(),
            UserCredential {
                name: name.into(),
                kind: kind.into(),
                description: Some(description.into()),
                user: Some(user.into()),
                password: Some(Secret::new(password)),
                company_id: company_id.map(str::to_string),
                security_artifact_descriptor: d,
            },
        );
    }

    /// Adds an OAuth2 client credential.
    pub fn oauth2_client(
        &mut self,
        credential: OAuth2ClientCredential,
        custom: Vec<CustomParameter>,
    ) {
        let d = self.descriptor("CREDENTIALS");
        let name = credential.name.clone();
        self.tenant.oauth2_client_credentials.insert(
            name,
            OAuth2Client {
                credential: OAuth2ClientCredential {
                    security_artifact_descriptor: d,
                    ..credential
                },
                custom_parameters: custom,
            },
        );
    }

    /// Adds a secure parameter.
    pub fn secure_parameter(&mut self, name: &str, value: &str, description: &str) {
        let now = self.now();
        self.tenant.secure_parameters.insert(
            name.into(),
            SecureParameter {
                name: name.into(),
                description: Some(description.into()),
                secure_param: Some(Secret::new(value)),
                deployed_by: Some(SEED_USER.into()),
                deployed_on: Some(date(now)),
                status: Some("DEPLOYED".into()),
            },
        );
    }

    /// Adds a trusted certificate (PEM) or a key pair (PEM certificate plus PKCS#12).
    pub fn keystore_entry(
        &mut self,
        alias: &str,
        owner: &str,
        pem: &str,
        pkcs12: Option<(&[u8], &str)>,
    ) {
        let now = self.now();
        let Some(der) = x509::certificate_der(pem.as_bytes()) else {
            return;
        };
        use base64::Engine;
        self.tenant.keystore.insert(
            alias.into(),
            KeyEntry {
                alias: alias.into(),
                key_pair: pkcs12.is_some() || owner == cpi_gitops_wire::keystore::OWNER_SAP,
                owner: owner.into(),
                certificate: der,
                pkcs12: pkcs12
                    .map(|(p, _)| Secret::new(base64::engine::general_purpose::STANDARD.encode(p))),
                pkcs12_password: pkcs12.map(|(_, pw)| Secret::new(pw)),
                created_by: SEED_USER.into(),
                created_time: now,
                modified_by: SEED_USER.into(),
                modified_time: now,
            },
        );
    }

    /// Adds a Neo certificate-to-user mapping.
    pub fn certificate_mapping(&mut self, user: &str, pem: &str) {
        let now = self.now();
        let Some(der) = x509::certificate_der(pem.as_bytes()) else {
            return;
        };
        let valid_until = x509::describe(&der).map_or(0, |i| i.valid_not_after_ms);
        let id = x509::mapping_id(&der);
        self.tenant.certificate_user_mappings.insert(
            id,
            CertificateMapping {
                user: user.into(),
                certificate_pem: x509::pem(&der),
                valid_until,
                audit: Audit::new(SEED_USER, now),
            },
        );
    }

    /// Adds a number range.
    pub fn number_range(
        &mut self,
        name: &str,
        description: &str,
        min: &str,
        max: &str,
        current: &str,
        rotate: bool,
    ) {
        let now = self.now();
        self.tenant.number_ranges.insert(
            name.into(),
            NumberRange {
                name: name.into(),
                description: Some(description.into()),
                min_value: min.into(),
                max_value: max.into(),
                current_value: Some(current.into()),
                field_length: max.len().to_string(),
                rotate: rotate.to_string(),
                deployed_by: Some(SEED_USER.into()),
                deployed_on: Some(date(now)),
            },
        );
    }

    /// Adds an access policy with references `(type, attribute, value, condition type)`.
    pub fn access_policy(
        &mut self,
        role: &str,
        description: &str,
        references: &[(&str, &str, &str, &str)],
    ) {
        let refs = references
            .iter()
            .map(|(kind, attribute, value, condition)| ArtifactReference {
                id: Some(self.tenant.ids.next_entity_id().to_string()),
                name: value.to_string(),
                description: Some(String::new()),
                kind: kind.to_string(),
                condition_attribute: attribute.to_string(),
                condition_value: value.to_string(),
                condition_type: condition.to_string(),
            })
            .collect();
        let id = self.tenant.ids.next_entity_id();
        self.tenant.access_policies.insert(
            id,
            AccessPolicy {
                role_name: role.into(),
                description: description.into(),
                references: refs,
            },
        );
    }

    /// Adds a Partner Directory string parameter.
    pub fn string_parameter(&mut self, pid: &str, id: &str, value: &str) {
        let audit = Audit::new(SEED_USER, self.now());
        self.tenant
            .partner_directory
            .string_parameters
            .entry(pid.into())
            .or_default()
            .insert(
                id.into(),
                StringParam {
                    value: value.into(),
                    audit,
                },
            );
    }

    /// Adds a Partner Directory binary parameter.
    pub fn binary_parameter(&mut self, pid: &str, id: &str, content_type: &str, value: &[u8]) {
        let audit = Audit::new(SEED_USER, self.now());
        self.tenant
            .partner_directory
            .binary_parameters
            .entry(pid.into())
            .or_default()
            .insert(
                id.into(),
                BinaryParam {
                    content_type: content_type.into(),
                    value: value.to_vec(),
                    audit,
                },
            );
    }

    /// Adds a Partner Directory user-credential parameter and its `pd:` security artifact.
    pub fn user_credential_parameter(&mut self, pid: &str, id: &str, user: &str, password: &str) {
        let audit = Audit::new(SEED_USER, self.now());
        self.tenant
            .partner_directory
            .user_credential_parameters
            .entry(pid.into())
            .or_default()
            .insert(
                id.into(),
                UserCredentialParam {
                    user: user.into(),
                    password: Secret::new(password),
                    audit,
                },
            );
        self.user_credential(
            &format!("pd:{pid}:{id}:UserCredential"),
            "default",
            user,
            password,
            None,
            "",
        );
    }

    /// Adds an alternative partner.
    pub fn alternative_partner(&mut self, agency: &str, scheme: &str, id: &str, pid: &str) {
        let audit = Audit::new(SEED_USER, self.now());
        self.tenant.partner_directory.alternative_partners.insert(
            format!("{agency}\u{0}{scheme}\u{0}{id}"),
            AlternativePartner {
                agency: agency.into(),
                scheme: scheme.into(),
                id: id.into(),
                pid: pid.into(),
                audit,
            },
        );
    }

    /// Adds an authorized user.
    pub fn authorized_user(&mut self, user: &str, pid: &str) {
        let audit = Audit::new(SEED_USER, self.now());
        let user = user.to_lowercase();
        self.tenant.partner_directory.authorized_users.insert(
            user.clone(),
            AuthorizedUser {
                user,
                pid: pid.into(),
                audit,
            },
        );
    }

    /// The finished tenant.
    pub fn finish(self) -> Tenant {
        self.tenant
    }
}
