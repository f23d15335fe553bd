//! `IntegrationPackages` (reference section 4).

use serde::{Deserialize, Serialize};

/// Entity `IntegrationPackage`. Read-only properties are `Option` so that write bodies can leave
/// them out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IntegrationPackage {
    /// `Id`.
    pub id: String,
    /// `Name`.
    pub name: String,
    /// `ShortText`.
    pub short_text: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `Version`.
    pub version: Option<String>,
    /// `Vendor`.
    pub vendor: Option<String>,
    /// `EDIT_ALLOWED` or `READ_ONLY` (configure-only).
    pub mode: Option<String>,
    /// `PartnerContent`.
    pub partner_content: Option<bool>,
    /// `UpdateAvailable`.
    pub update_available: Option<bool>,
    /// `SupportedPlatform`.
    pub supported_platform: Option<String>,
    /// `Products`.
    pub products: Option<String>,
    /// `Keywords`.
    pub keywords: Option<String>,
    /// `Countries`.
    pub countries: Option<String>,
    /// `Industries`.
    pub industries: Option<String>,
    /// `LineOfBusiness`.
    pub line_of_business: Option<String>,
    /// `ResourceId`.
    pub resource_id: Option<String>,
    /// `CreatedBy`.
    pub created_by: Option<String>,
    /// `ModifiedBy`.
    pub modified_by: Option<String>,
    /// Epoch milliseconds as a string.
    pub creation_date: Option<String>,
    /// Epoch milliseconds as a string.
    pub modified_date: Option<String>,
}

/// The entity set of packages.
pub const INTEGRATION_PACKAGES: &str = "IntegrationPackages";

/// `Mode` of a normal package.
pub const MODE_EDIT_ALLOWED: &str = "EDIT_ALLOWED";
/// `Mode` of a configure-only package.
pub const MODE_READ_ONLY: &str = "READ_ONLY";

/// The descriptive properties a package update (`PUT`) may carry, in metadata order.
pub const WRITABLE_PACKAGE_FIELDS: &[&str] = &[
    "Name",
    "ShortText",
    "Description",
    "Version",
    "Vendor",
    "SupportedPlatform",
    "Products",
    "Keywords",
    "Countries",
    "Industries",
    "LineOfBusiness",
];

/// Body of `POST IntegrationPackages` (with `Id`) and `PUT IntegrationPackages('<Id>')` (without):
/// the descriptive properties of [`WRITABLE_PACKAGE_FIELDS`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PackageWrite {
    /// The package's id, on create only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Name`.
    pub name: String,
    /// `ShortText`.
    pub short_text: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `Version`.
    pub version: Option<String>,
    /// `Vendor`.
    pub vendor: Option<String>,
    /// `SupportedPlatform`.
    pub supported_platform: Option<String>,
    /// `Products`.
    pub products: Option<String>,
    /// `Keywords`.
    pub keywords: Option<String>,
    /// `Countries`.
    pub countries: Option<String>,
    /// `Industries`.
    pub industries: Option<String>,
    /// `LineOfBusiness`.
    pub line_of_business: Option<String>,
}

impl PackageWrite {
    /// The writable properties of `p`; `id` for a create.
    pub fn of(p: &IntegrationPackage, id: Option<String>) -> PackageWrite {
        PackageWrite {
            id,
            name: p.name.clone(),
            short_text: p.short_text.clone(),
            description: p.description.clone(),
            version: p.version.clone(),
            vendor: p.vendor.clone(),
            supported_platform: p.supported_platform.clone(),
            products: p.products.clone(),
            keywords: p.keywords.clone(),
            countries: p.countries.clone(),
            industries: p.industries.clone(),
            line_of_business: p.line_of_business.clone(),
        }
    }
}
