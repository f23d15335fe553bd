//! Where each object's files live under `tenant-state/`, and how keys and the names of an
//! artifact's files become path components.
//!
//! Keys are escaped so that any key round-trips and nothing escapes the state folder
//! ([`crate::model::key`]): every byte outside `[A-Za-z0-9._-]` is percent-encoded (`Orders
//! Replicate` -> `Orders%20Replicate`, `pd:x` -> `pd%3Ax`), `.` and `..` completely, names
//! Windows reserves and trailing dots are encoded, and escapes longer than 100 bytes are cut
//! and end in `~` and 12 hex digits of the key's SHA-256 (the key is then read from the
//! object's JSON file).
//!
//! The files of an artifact keep their names ([`content_path`]), except what would change how
//! git treats the repository or fail a checkout: `%` is written `%25`, a path component that git
//! would read as its own (`.gitattributes`, `.gitignore`, `.gitmodules`, in any case) has its
//! leading `.` written `%2E`, and what Windows forbids or reserves is percent-encoded.
//! [`content_name`] reverses it; state format 1 stored names as they were.

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

pub use crate::model::key::{component, escape, is_cut, unescape};

/// Names git reads as its own at any depth of a work tree (compared ignoring ASCII case, as a
/// case-insensitive file system does).
const GIT_NAMES: &[&str] = &[".gitattributes", ".gitignore", ".gitmodules"];

/// Characters Windows does not allow in file names (besides control characters; `/` separates
/// components and `\` is refused in entry names).
const WINDOWS_FORBIDDEN: &[u8] = b"<>:\"|?*";

/// One component of [`content_path`]: `%`, control characters and what Windows forbids as
/// `%XX`; the first character of a name git reads as its own or Windows reserves; a trailing
/// `.` or space.
fn content_component(part: &str) -> String {
    let git = GIT_NAMES.iter().any(|g| g.eq_ignore_ascii_case(part));
    let first = git || crate::model::key::is_reserved_on_windows(part);
    let bytes = part.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        let last = i + 1 == bytes.len();
        let encode = b == b'%'
            || b < 0x20
            || b == 0x7f
            || WINDOWS_FORBIDDEN.contains(&b)
            || (i == 0 && first)
            || (last && (b == b'.' || b == b' '));
        if encode {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        } else {
            out.push(b);
        }
    }
    // Only ASCII bytes were replaced, by ASCII: still UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// The path under `content/` of an artifact's file `name` (a zip entry name), so that no name
/// can change how git treats the repository and a checkout works on every system: `%` as `%25`;
/// control characters and `<>:"|?*` as `%XX`; the leading `.` of `.gitattributes`, `.gitignore`
/// and `.gitmodules` (any case) as `%2E`; the first character of a name Windows reserves (`aux.xml`
/// is `%61ux.xml`); a trailing `.` or space.
pub fn content_path(name: &str) -> String {
    name.split('/')
        .map(content_component)
        .collect::<Vec<_>>()
        .join("/")
}

/// The zip entry name of the file stored at `path` under `content/` (reverses
/// [`content_path`]); `None` for a path [`content_path`] cannot have written.
pub fn content_name(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = path.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let name = String::from_utf8(out).ok()?;
    (content_path(&name) == path).then_some(name)
}

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
    let parent = parent.map(component).unwrap_or_else(|| "%".into());
    let folder = id.kind.folder();
    let at = |dir: String, stem: Option<String>| Place {
        dir,
        stem,
        package: false,
    };
    match id.kind.spec().placement {
        Placement::Package => Place {
            dir: format!("packages/{}", component(&id.key)),
            stem: None,
            package: true,
        },
        Placement::Artifact => at(
            format!("packages/{parent}/{folder}/{}", component(&id.key)),
            None,
        ),
        Placement::Security => at(format!("security/{folder}"), Some(component(&id.key))),
        Placement::NumberRange => at(folder.into(), Some(component(&id.key))),
        Placement::PartnerParameter => {
            let (pid, rest) = match id.key.split_once('/') {
                Some((pid, rest)) => (component(pid), component(rest)),
                None => ("%".into(), component(&id.key)),
            };
            at(format!("partner-directory/{pid}/{folder}"), Some(rest))
        }
        Placement::AlternativePartner => at(
            format!("partner-directory/{parent}/{folder}"),
            Some(alternative_stem(&id.key)),
        ),
        Placement::PartnerOwned => at(
            format!("partner-directory/{parent}/{folder}"),
            Some(component(&id.key)),
        ),
    }
}

/// The file stem of an alternative partner keyed `<agency>/<scheme>/<id>` (each part escaped):
/// `<agency>+<scheme>+<id>`, cut like any long name.
fn alternative_stem(key: &str) -> String {
    let stem = key.replace('/', "+");
    if stem.len() <= crate::model::key::MAX_COMPONENT {
        stem
    } else {
        component(&stem)
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
    /// The object. When its name on disk is cut ([`is_cut`]), the key is that name until the
    /// object's JSON file says the real one (`sync::state`).
    pub id: ObjectId,
    /// Its package or Pid, where the layout has one (a cut name like the key).
    pub parent: Option<String>,
    /// What the file is to it.
    pub role: Role,
    /// The key is a cut name, to be read from the JSON file.
    pub cut: bool,
    /// The parent is a cut name, to be read from the parent's JSON file.
    pub parent_cut: bool,
}

/// A component's key: the key itself, or a cut name (`true`) to be resolved from the JSON.
fn key_of(component: &str) -> Option<(String, bool)> {
    match unescape(component) {
        Some(key) => Some((key, false)),
        None if is_cut(component) => Some((component.to_string(), true)),
        None => None,
    }
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
    let at = |kind: Kind, key: (String, bool), parent: Option<(String, bool)>, role| {
        let parent_cut = parent.as_ref().is_some_and(|p| p.1);
        Some(Located {
            id: ObjectId::new(kind, key.0),
            parent: parent.map(|p| p.0),
            role,
            cut: key.1,
            parent_cut,
        })
    };
    match parts.as_slice() {
        ["packages", package, "package.json"] => {
            at(Kind::Package, key_of(package)?, None, Role::Json)
        }
        ["packages", package, folder, artifact, rest @ ..] => {
            let kind = kind_of_folder(folder, Placement::Artifact)?;
            let role = match rest {
                ["artifact.json"] => Role::Json,
                ["configuration.json"] => Role::Configuration,
                ["content", inner @ ..] if !inner.is_empty() => Role::Content(inner.join("/")),
                _ => return None,
            };
            at(kind, key_of(artifact)?, Some(key_of(package)?), role)
        }
        ["security", folder, file] => {
            let kind = kind_of_folder(folder, Placement::Security)?;
            let (stem, role) = strip_role(kind, file)?;
            at(kind, key_of(&stem)?, None, role)
        }
        [folder, file] => {
            let kind = kind_of_folder(folder, Placement::NumberRange)?;
            let (stem, role) = strip_role(kind, file)?;
            at(kind, key_of(&stem)?, None, role)
        }
        ["partner-directory", pid, folder, file] => {
            let pid = key_of(pid)?;
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
                    Placement::PartnerParameter => {
                        let (id, cut) = key_of(&stem)?;
                        // The key `<Pid>/<Id>`: cut when either part is.
                        let key = format!("{}/{id}", pid.0);
                        at(kind, (key, cut || pid.1), None, role)
                    }
                    Placement::AlternativePartner => {
                        if is_cut(&stem) {
                            return at(kind, (stem, true), Some(pid), role);
                        }
                        let parts: Vec<&str> = stem.split('+').collect();
                        if parts.len() != 3 || parts.iter().any(|p| unescape(p).is_none()) {
                            return None;
                        }
                        at(kind, (parts.join("/"), false), Some(pid), role)
                    }
                    _ => at(kind, key_of(&stem)?, Some(pid), role),
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
                        role: Role::Secret(*slot),
                        cut: false,
                        parent_cut: false,
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

    #[test]
    fn long_keys_get_cut_names_that_locate_marks() {
        let long = "F".repeat(540);
        let flow = ObjectId::new(Kind::IntegrationFlow, long.clone());
        let p = place(&flow, Some(&"P".repeat(300)));
        let located = locate(&p.json()).unwrap();
        assert!(located.cut && located.parent_cut, "{}", p.json());
        assert!(p.json().split('/').all(|c| c.len() <= 113), "{}", p.json());
        let cred = place(&ObjectId::new(Kind::UserCredential, long.clone()), None);
        let l = locate(&cred.secret(Kind::UserCredential.secret_slots()[0])).unwrap();
        assert!(l.cut && l.role == Role::Secret(Kind::UserCredential.secret_slots()[0]));
        assert_eq!(
            locate(&cred.json()).unwrap().id,
            l.id,
            "files of one object group"
        );
        let alt = ObjectId::new(
            Kind::AlternativePartner,
            format!("{}/s/i", escape(&"a".repeat(200))),
        );
        let l = locate(&place(&alt, Some("ACME")).json()).unwrap();
        assert!(l.cut && l.parent.as_deref() == Some("ACME"));
    }

    #[test]
    fn content_names_keep_git_out_and_round_trip() {
        for (name, path) in [
            (".gitattributes", "%2Egitattributes"),
            ("a/.GitIgnore", "a/%2EGitIgnore"),
            ("x/.gitmodules/y", "x/%2Egitmodules/y"),
            ("50%.txt", "50%25.txt"),
            ("%2Egitignore", "%252Egitignore"),
            (".gitkeep", ".gitkeep"),
            ("script/aux.groovy", "script/%61ux.groovy"),
            ("a:b?.xml", "a%3Ab%3F.xml"),
            ("dir./x ", "dir%2E/x%20"),
            ("Grüße.txt", "Grüße.txt"),
            ("src/main/resources/a b.iflw", "src/main/resources/a b.iflw"),
        ] {
            assert_eq!(content_path(name), path, "{name}");
            assert_eq!(content_name(path).as_deref(), Some(name), "{path}");
        }
        for bad in ["a%2", "a%41", "%2Ex", "a%2Egitignore", "%61bc", "%FF"] {
            assert_eq!(content_name(bad), None, "{bad}");
        }
    }
}
