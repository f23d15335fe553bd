//! Where each object's files live under `tenant-state/`, and how keys become path components.
//!
//! Keys are escaped so that any key round-trips and nothing escapes the state folder: every byte
//! outside `[A-Za-z0-9._-]` is percent-encoded (`Orders Replicate` -> `Orders%20Replicate`,
//! `pd:x` -> `pd%3Ax`), and a key of `.` or `..` is encoded completely.

use crate::model::{Attachment, Kind, ObjectId, Placement, SecretSlot};

/// The recipients file.
pub const RECIPIENTS: &str = "recipients.txt";
/// Turns off git's text conversion for the whole state folder.
pub const GITATTRIBUTES: &str = ".gitattributes";
/// The exporter's bookkeeping (see `store::marks`).
pub const MARKS: &str = ".export-marks.json";
/// The content of `.gitattributes`.
pub const GITATTRIBUTES_TEXT: &str =
    "# Written by cpi-gitops: keep every byte of the state as the tenant has it.\n* -text\n";

pub use crate::model::key::{escape, unescape};

/// The files of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    dir: String,
    /// `None` for packages and artifacts, whose files are named inside their folder.
    stem: Option<String>,
    package: bool,
}

impl Place {
    /// The object's JSON file.
    pub fn json(&self) -> String {
        match &self.stem {
            Some(stem) => format!("{}/{stem}.json", self.dir),
            None if self.dir.starts_with("packages/") && self.dir.matches('/').count() == 1 => {
                format!("{}/package.json", self.dir)
            }
            None => format!("{}/artifact.json", self.dir),
        }
    }

    /// A sibling file `<stem>.<suffix>` (`pem`, `value`), or for artifacts a file in their folder.
    pub fn file(&self, suffix: &str) -> String {
        match &self.stem {
            Some(stem) => format!("{}/{stem}.{suffix}", self.dir),
            None => format!("{}/{suffix}", self.dir),
        }
    }

    /// The age file of a secret.
    pub fn secret(&self, slot: SecretSlot) -> String {
        self.file(&format!("{}.age", slot.name))
    }

    /// An artifact's `configuration.json`.
    pub fn configuration(&self) -> String {
        format!("{}/configuration.json", self.dir)
    }

    /// An artifact's content folder, with a trailing `/`.
    pub fn content_dir(&self) -> String {
        format!("{}/content/", self.dir)
    }

    /// The folder (for artifacts: all their files are below it).
    pub fn dir(&self) -> &str {
        &self.dir
    }
}

/// Where the object `id` lives. `parent` is the package of an artifact, or the Pid of an
/// alternative partner or authorized user; other kinds ignore it. The key of an alternative
/// partner is `<agency>/<scheme>/<id>` with each part already escaped (they may contain `/`).
pub fn place(id: &ObjectId, parent: Option<&str>) -> Place {
    let parent = parent.map(escape).unwrap_or_else(|| "%".into());
    let folder = id.kind.folder();
    let at = |dir: String, stem: Option<String>| Place {
        dir,
        stem,
        package: false,
    };
    match id.kind.spec().placement {
        Placement::Package => Place {
            dir: format!("packages/{}", escape(&id.key)),
            stem: None,
            package: true,
        },
        Placement::Artifact => at(
            format!("packages/{parent}/{folder}/{}", escape(&id.key)),
            None,
        ),
        Placement::Security => at(format!("security/{folder}"), Some(escape(&id.key))),
        Placement::NumberRange => at(folder.into(), Some(escape(&id.key))),
        Placement::PartnerParameter => {
            let (pid, rest) = match id.key.split_once('/') {
                Some((pid, rest)) => (escape(pid), escape(rest)),
                None => ("%".into(), escape(&id.key)),
            };
            at(format!("partner-directory/{pid}/{folder}"), Some(rest))
        }
        Placement::AlternativePartner => at(
            format!("partner-directory/{parent}/{folder}"),
            Some(id.key.replace('/', "+")),
        ),
        Placement::PartnerOwned => at(
            format!("partner-directory/{parent}/{folder}"),
            Some(escape(&id.key)),
        ),
    }
}

/// What a file is to its object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The object's JSON.
    Json,
    /// An artifact's `configuration.json`.
    Configuration,
    /// A file of an artifact's content, with its path inside the artifact.
    Content(String),
    /// The file beside the JSON that the object is written from (`.pem`, `.value`).
    Attachment(Attachment),
    /// A secret's `.age` file.
    Secret(SecretSlot),
}

/// A file's object: its id, its parent (package or Pid) when the layout has one, and its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The object.
    pub id: ObjectId,
    /// Its package or Pid, where the layout has one.
    pub parent: Option<String>,
    /// What the file is to it.
    pub role: Role,
}

fn strip_role(kind: Kind, file: &str) -> Option<(String, Role)> {
    let mut suffixes: Vec<(String, Role)> = kind
        .secret_slots()
        .iter()
        .map(|s| (format!(".{}.age", s.name), Role::Secret(*s)))
        .collect();
    suffixes.push((".json".into(), Role::Json));
    if let Some(a) = kind.spec().attachment {
        suffixes.push((format!(".{}", a.suffix()), Role::Attachment(a)));
    }
    suffixes.into_iter().find_map(|(suffix, role)| {
        let stem = file.strip_suffix(suffix.as_str())?;
        (!stem.is_empty()).then(|| (stem.to_string(), role))
    })
}

/// The kind stored in `folder` with `placement`.
fn kind_of_folder(folder: &str, placement: Placement) -> Option<Kind> {
    Kind::ALL
        .into_iter()
        .find(|k| k.folder() == folder && k.spec().placement == placement)
}

/// The object a path (relative to the state folder) belongs to; `None` for the state's own files
/// (`recipients.txt`, `.gitattributes`, marks, overrides) and for paths that follow no rule.
pub fn locate(path: &str) -> Option<Located> {
    let parts: Vec<&str> = path.split('/').collect();
    let located = |id, parent, role| Some(Located { id, parent, role });
    match parts.as_slice() {
        ["packages", package, "package.json"] => located(
            ObjectId::new(Kind::Package, unescape(package)?),
            None,
            Role::Json,
        ),
        ["packages", package, folder, artifact, rest @ ..] => {
            let kind = kind_of_folder(folder, Placement::Artifact)?;
            let role = match rest {
                ["artifact.json"] => Role::Json,
                ["configuration.json"] => Role::Configuration,
                ["content", inner @ ..] if !inner.is_empty() => Role::Content(inner.join("/")),
                _ => return None,
            };
            located(
                ObjectId::new(kind, unescape(artifact)?),
                Some(unescape(package)?),
                role,
            )
        }
        ["security", folder, file] => {
            let kind = kind_of_folder(folder, Placement::Security)?;
            let (stem, role) = strip_role(kind, file)?;
            located(ObjectId::new(kind, unescape(&stem)?), None, role)
        }
        [folder, file] => {
            let kind = kind_of_folder(folder, Placement::NumberRange)?;
            let (stem, role) = strip_role(kind, file)?;
            located(ObjectId::new(kind, unescape(&stem)?), None, role)
        }
        ["partner-directory", pid, folder, file] => {
            let pid = unescape(pid)?;
            for placement in [
                Placement::PartnerParameter,
                Placement::AlternativePartner,
                Placement::PartnerOwned,
            ] {
                let Some(kind) = kind_of_folder(folder, placement) else {
                    continue;
                };
                let (stem, role) = strip_role(kind, file)?;
                return match placement {
                    Placement::PartnerParameter => located(
                        ObjectId::new(kind, format!("{pid}/{}", unescape(&stem)?)),
                        None,
                        role,
                    ),
                    Placement::AlternativePartner => {
                        let parts: Vec<&str> = stem.split('+').collect();
                        if parts.len() != 3 || parts.iter().any(|p| unescape(p).is_none()) {
                            return None;
                        }
                        located(ObjectId::new(kind, parts.join("/")), Some(pid), role)
                    }
                    _ => located(ObjectId::new(kind, unescape(&stem)?), Some(pid), role),
                };
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips_and_never_escapes_the_folder() {
        for key in [
            "Orders_Replicate",
            "A B",
            "pd:ACME:x:UserCredential",
            "..",
            ".",
            "a/b",
            "Ü",
            "%",
            "",
            "x+y",
        ] {
            let e = escape(key);
            assert!(
                !e.contains('/') && e != "." && e != ".." && !e.is_empty(),
                "{key} -> {e}"
            );
            assert_eq!(unescape(&e).as_deref(), Some(key), "{key} -> {e}");
        }
        assert_eq!(escape("Orders Replicate"), "Orders%20Replicate");
        assert!(unescape("a b").is_none());
        assert!(
            unescape("%41").is_none(),
            "only the canonical escape of a key is accepted"
        );
        assert!(unescape("%2f").is_none(), "upper-case hex only");
    }

    #[test]
    fn places_follow_the_layout() {
        let flow = place(
            &ObjectId::new(Kind::IntegrationFlow, "Flow_1"),
            Some("Orders"),
        );
        assert_eq!(
            flow.json(),
            "packages/Orders/integration-flows/Flow_1/artifact.json"
        );
        assert_eq!(
            flow.configuration(),
            "packages/Orders/integration-flows/Flow_1/configuration.json"
        );
        assert_eq!(
            flow.content_dir(),
            "packages/Orders/integration-flows/Flow_1/content/"
        );
        assert_eq!(
            place(&ObjectId::new(Kind::Package, "Orders"), None).json(),
            "packages/Orders/package.json"
        );
        let cred = place(&ObjectId::new(Kind::UserCredential, "ERP Basic"), None);
        assert_eq!(cred.json(), "security/user-credentials/ERP%20Basic.json");
        assert_eq!(
            cred.secret(Kind::UserCredential.secret_slots()[0]),
            "security/user-credentials/ERP%20Basic.password.age"
        );
        let kp = place(&ObjectId::new(Kind::KeyPair, "signing"), None);
        assert_eq!(
            kp.secret(Kind::KeyPair.secret_slots()[0]),
            "security/key-pairs/signing.p12.age"
        );
        assert_eq!(kp.file("pem"), "security/key-pairs/signing.pem");
        let sp = place(
            &ObjectId::new(Kind::StringParameter, "ACME/Receiver URL"),
            None,
        );
        assert_eq!(
            sp.json(),
            "partner-directory/ACME/string-parameters/Receiver%20URL.json"
        );
        let alt = place(
            &ObjectId::new(Kind::AlternativePartner, "ERP/ALE%23KU/0001"),
            Some("ACME"),
        );
        assert_eq!(
            alt.json(),
            "partner-directory/ACME/alternative-partners/ERP+ALE%23KU+0001.json"
        );
        assert_eq!(
            place(&ObjectId::new(Kind::NumberRange, "N"), None).json(),
            "number-ranges/N.json"
        );
    }

    #[test]
    fn locate_reverses_place() {
        let cases: Vec<(ObjectId, Option<&str>)> = vec![
            (ObjectId::new(Kind::Package, "Orders"), None),
            (ObjectId::new(Kind::IntegrationFlow, "F 1"), Some("Orders")),
            (ObjectId::new(Kind::UserCredential, "x.password"), None),
            (ObjectId::new(Kind::SecureParameter, "k.value"), None),
            (ObjectId::new(Kind::KeyPair, "signing"), None),
            (ObjectId::new(Kind::NumberRange, "N"), None),
            (
                ObjectId::new(Kind::BinaryParameter, "ACME/Mapping.xsl"),
                None,
            ),
            (
                ObjectId::new(Kind::UserCredentialParameter, "ACME/Login"),
                None,
            ),
            (
                ObjectId::new(Kind::AlternativePartner, "ERP/ALE%23KU/00%2B1"),
                Some("ACME"),
            ),
            (
                ObjectId::new(Kind::AuthorizedUser, "acme-sender"),
                Some("ACME"),
            ),
        ];
        for (id, parent) in cases {
            let p = place(&id, parent);
            let located = locate(&p.json()).unwrap_or_else(|| panic!("{}", p.json()));
            assert_eq!(located.id, id, "{}", p.json());
            if matches!(id.kind, Kind::AlternativePartner | Kind::AuthorizedUser)
                || id.kind.is_artifact()
            {
                assert_eq!(located.parent.as_deref(), parent);
            }
            for slot in id.kind.secret_slots() {
                assert_eq!(
                    locate(&p.secret(*slot)).unwrap(),
                    Located {
                        id: id.clone(),
                        parent: located.parent.clone(),
                        role: Role::Secret(*slot)
                    }
                );
            }
        }
        let c =
            locate("packages/Orders/integration-flows/F/content/src/main/resources/a%20b.groovy")
                .unwrap();
        assert_eq!(
            c.role,
            Role::Content("src/main/resources/a%20b.groovy".into())
        );
        assert_eq!(
            locate("packages/Orders/integration-flows/F/configuration.json")
                .unwrap()
                .role,
            Role::Configuration
        );
        assert_eq!(
            locate("partner-directory/ACME/binary-parameters/Mapping.xsl.value")
                .unwrap()
                .role,
            Role::Attachment(Attachment::Value)
        );
        assert!(locate("recipients.txt").is_none());
        assert!(locate("security/unknown-things/x.json").is_none());
    }
}
