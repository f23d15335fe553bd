//! The results of `secret set` and `secret rekey`, in words or as JSON documents.

use super::Format;

/// Prints what `secret set` wrote: `object`'s secret `slot` into `file`, for `recipients`.
pub fn set(format: Format, object: &str, slot: &str, file: &str, recipients: usize) {
    let text = match format {
        Format::Json => super::json::secret_set(object, slot, file, recipients),
        Format::Text | Format::Markdown => {
            format!("wrote {file} (encrypted to {recipients} recipients); commit it to keep it\n")
        }
    };
    super::out(&text);
}

/// Prints what `secret rekey` did: `files` secrets in `state_dir` encrypted to `recipients`.
pub fn rekey(format: Format, state_dir: &str, files: usize, recipients: usize) {
    let text = match format {
        Format::Json => super::json::secret_rekey(state_dir, files, recipients),
        Format::Text | Format::Markdown => format!(
            "re-encrypted {files} secrets in {state_dir}/ to {recipients} recipients; commit the result\n"
        ),
    };
    super::out(&text);
}
